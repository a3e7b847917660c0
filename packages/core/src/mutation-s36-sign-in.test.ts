import { createAuthServer, failUnhandledRequest } from '@tessera/testing';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { fakeLockManager } from '../test/fixtures/fake-lock-manager.js';
import { fakeStorageArea } from '../test/fixtures/fake-storage-area.js';
import { crossTab } from './cross-tab/cross-tab.js';
import { createSignIn } from './sign-in/create-sign-in.js';
import { memoryStorage } from './storage/memory-storage.js';
import { webStorage } from './storage/web-storage.js';
import { TokenManager } from './token-manager.js';

// Mutation sweep, stop 36: only another tab's set (`synced`) can make a used callback URL a replay, not this tab's events.
const auth = createAuthServer();
const msw = setupServer(...auth.handlers);
const managers: TokenManager[] = [];
beforeAll(() => msw.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  for (const manager of managers.splice(0)) manager.dispose();
  auth.reset();
});
afterAll(() => msw.close());

describe('a used sign-in callback URL after events in this tab', () => {
  it('still answers its handled result after a refresh and an invalidation here (StrictMode, a reload of the callback page)', async () => {
    const tokens = new TokenManager({
      fetchTokens: (context) => signIn.fetchTokens(context),
      storage: memoryStorage(),
      retry: false,
    });
    managers.push(tokens);
    const signIn = createSignIn({
      issuer: auth.issuer,
      clientId: 'web',
      redirectUri: 'https://app.example.test/callback',
      tokens,
      navigate: () => {},
      transactionStorage: fakeStorageArea(),
    });
    const callback = auth.authorize(await signIn.buildAuthorizationUrl());
    const first = await signIn.handleCallback(callback);
    expect(first).toMatchObject({ status: 'handled' });

    await tokens.getAccessToken({ forceRefresh: true });
    tokens.invalidate(tokens.peekTokens()?.accessToken ?? '');

    expect(await signIn.handleCallback(callback)).toBe(first);
    expect(auth.tokenRequestCount).toBe(2);
  });
});

describe('a used sign-in callback URL after another tab signs in, without an ID token (no openid scope)', () => {
  it('is a replay: nothing tells a new session from a refresh, so the previous result and its tokens are not handed out', async () => {
    const area = fakeStorageArea();
    const locks = fakeLockManager().locks;
    const openTab = (create: typeof createSignIn) => {
      const tokens = new TokenManager({
        fetchTokens: (context) => signIn.fetchTokens(context),
        storage: webStorage(area),
        crossTab: crossTab({ name: 'mutation-s36-sign-in', locks }),
        retry: false,
      });
      managers.push(tokens);
      const signIn = create({
        issuer: auth.issuer,
        clientId: 'web',
        redirectUri: 'https://app.example.test/callback',
        scope: 'api',
        tokens,
        navigate: () => {},
        transactionStorage: fakeStorageArea(),
      });
      return { tokens, signIn };
    };
    const a = openTab(createSignIn);
    // The other tab's page: its own copy of the sign-in module, so its remembered callbacks are its own.
    vi.resetModules();
    const b = openTab((await import('./sign-in/create-sign-in.js')).createSignIn);
    const callback = auth.authorize(await a.signIn.buildAuthorizationUrl());
    const first = await a.signIn.handleCallback(callback);
    expect(first).toMatchObject({ status: 'handled' });
    expect(first.status === 'handled' && first.tokens.idToken).toBeFalsy();
    await b.tokens.ready();

    const again = auth.authorize(await b.signIn.buildAuthorizationUrl());
    expect(await b.signIn.handleCallback(again)).toMatchObject({ status: 'handled' });
    const theirs = b.tokens.peekTokens();
    await vi.waitFor(() => expect(a.tokens.peekTokens()).toEqual(theirs));

    expect(await a.signIn.handleCallback(callback)).toEqual({ status: 'not-a-callback', cleaned: true });
    expect(auth.tokenRequestCount).toBe(2);
  });
});
