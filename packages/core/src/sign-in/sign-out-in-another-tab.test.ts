import { createAuthServer, failUnhandledRequest } from '@tessera/testing';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { fakeLockManager } from '../../test/fixtures/fake-lock-manager.js';
import { fakeStorageArea } from '../../test/fixtures/fake-storage-area.js';
import { expectAllRefused, revocationRecorder } from '../../test/fixtures/revocation-recorder.js';
import { crossTab } from '../cross-tab/cross-tab.js';
import { isTesseraError } from '../errors/guards.js';
import { webStorage } from '../storage/web-storage.js';
import { TokenManager } from '../token-manager.js';
import { createSignIn } from './create-sign-in.js';

// Revokes only the token presented: the refresh token rotated in the other tab stays valid unless it
// is revoked itself (the kit's default, revoking the family, would hide the leak).
const auth = createAuthServer({
  revokeFamily: false,
  users: [
    { username: 'alice', password: 'wonderland' },
    { username: 'bob', password: 'builder' },
  ],
});
const msw = setupServer(...auth.handlers);
const managers: TokenManager[] = [];

beforeAll(() => msw.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  for (const manager of managers.splice(0)) manager.dispose();
  auth.reset();
});
afterAll(() => msw.close());

/**
 * Two tabs (a manager and a sign-in each) sharing localStorage, a BroadcastChannel and Web Locks.
 * `issued` is every refresh token the server handed out, `revoked` every token sent for revocation;
 * `holdNextAnswer()` keeps the next token response from the client after the server answered it.
 */
function twoTabs(createSignInOfB = createSignIn) {
  const area = fakeStorageArea();
  const locks = fakeLockManager().locks;
  const { fetch: recordingFetch, issued, revoked, holdNextAnswer } = revocationRecorder(auth);
  const openTab = (create = createSignIn) => {
    const tokens = new TokenManager({
      fetchTokens: (context) => signIn.fetchTokens(context),
      storage: webStorage(area),
      crossTab: crossTab({ name: 'sign-out-in-another-tab', locks }),
      retry: false,
    });
    managers.push(tokens);
    const signIn = create({
      issuer: auth.issuer,
      clientId: 'web',
      redirectUri: 'https://app.example.test/callback',
      tokens,
      navigate: () => {},
      fetch: recordingFetch,
      transactionStorage: fakeStorageArea(), // this tab's sessionStorage
    });
    return { tokens, signIn };
  };
  return { area, issued, revoked, holdNextAnswer, a: openTab(), b: openTab(createSignInOfB) };
}

describe('signOut in one tab while another tab refreshes', () => {
  it('revokes the refresh token the other tab’s refresh brought, which is never stored: every refresh token ends refused', async () => {
    const { area, issued, revoked, holdNextAnswer, a, b } = twoTabs();
    const session = await auth.issueTokens();
    issued.push(session.refresh_token ?? '');
    await a.tokens.setTokens(session);
    await b.tokens.ready();
    const hold = holdNextAnswer();
    const refresh = b.tokens.getAccessToken({ forceRefresh: true }).catch((error: unknown) => error);
    await hold.arrived;
    expect(await a.signIn.signOut({ navigate: false })).toMatchObject({ revoked: true, warnings: [] });
    hold.release();

    expect(isTesseraError(await refresh, 'LOGIN_REQUIRED')).toBe(true);
    await vi.waitFor(() => expect(revoked).toEqual([issued[0], issued[1]]));
    expect(auth.tokenRequestCount).toBe(1);
    expect(area.getItem('tessera.tokens')).toBeNull();
    expect(a.tokens.peekTokens()).toBeUndefined();
    expect(b.tokens.peekTokens()).toBeUndefined();
    await expectAllRefused(auth, issued);
  });

  it('revokes nothing more in a tab whose stored refresh is ended by the sign-out of another tab', async () => {
    const { issued, revoked, a, b } = twoTabs();
    const session = await auth.issueTokens();
    issued.push(session.refresh_token ?? '');
    await a.tokens.setTokens(session);
    await b.tokens.getAccessToken({ forceRefresh: true });
    await vi.waitFor(() => expect(a.tokens.peekTokens()?.refreshToken).toBe(issued[1]));
    await a.signIn.signOut({ navigate: false });
    await vi.waitFor(() => expect(b.tokens.peekTokens()).toBeUndefined());

    expect(revoked).toEqual([issued[1]]);
  });
});

describe('signOut in one tab while another tab completes a sign-in callback', () => {
  it('the callback is refused (LoginRequiredError), what its code brought is revoked, and every tab stays signed out', async () => {
    const { area, issued, revoked, holdNextAnswer, a, b } = twoTabs();
    await a.tokens.setTokens(await auth.issueTokens());
    await b.tokens.ready();
    // Tab A signs in again (another account, a step-up) while both tabs hold the session.
    const callback = auth.authorize(await a.signIn.buildAuthorizationUrl());
    const hold = holdNextAnswer();
    const result = a.signIn.handleCallback(callback);
    await hold.arrived;
    await b.signIn.signOut({ navigate: false });
    await vi.waitFor(() => expect(a.tokens.peekTokens()).toBeUndefined());
    hold.release();

    expect(await result).toMatchObject({ status: 'error', error: { code: 'LOGIN_REQUIRED' } });
    expect(auth.tokenRequestCount).toBe(1);
    expect(issued).toHaveLength(1);
    expect(revoked).toContain(issued[0]);
    expect(a.tokens.peekTokens()).toBeUndefined();
    expect(b.tokens.peekTokens()).toBeUndefined();
    expect(area.getItem('tessera.tokens')).toBeNull();
    await expectAllRefused(auth, issued);
  });
});

describe('signOut in one tab after another tab completed a sign-in callback', () => {
  it('the used callback URL is a replay in that tab, not the old session with its tokens (as after its own signOut)', async () => {
    const { a, b } = twoTabs();
    const callback = auth.authorize(await a.signIn.buildAuthorizationUrl());
    const first = await a.signIn.handleCallback(callback);
    expect(first.status).toBe('handled');
    await b.tokens.ready();
    // What the other tab's signOut() does to the shared session (its page has its own remembered callbacks).
    await b.tokens.clear();
    await vi.waitFor(() => expect(a.tokens.peekTokens()).toBeUndefined());

    const again = await a.signIn.handleCallback(callback);
    expect(again).toMatchObject({ status: 'error', error: { code: 'STALE_CALLBACK', reason: 'replayed' } });
    expect(JSON.stringify(again)).not.toContain(first.status === 'handled' ? first.tokens.accessToken : '');
    expect(auth.tokenRequestCount).toBe(1);
    expect(a.tokens.peekTokens()).toBeUndefined();
  });
});

/** The other tab's page: its own copy of the sign-in module, so its remembered callbacks are its own. */
async function anotherPage(): Promise<typeof createSignIn> {
  vi.resetModules();
  return (await import('./create-sign-in.js')).createSignIn;
}

describe('another tab signs in or refreshes after this tab completed a sign-in callback', () => {
  it('signed in as another user there: the used callback URL is no longer the previous user’s handled result with their tokens', async () => {
    const { a, b } = twoTabs(await anotherPage());
    const callback = auth.authorize(await a.signIn.buildAuthorizationUrl());
    const first = await a.signIn.handleCallback(callback);
    expect(first).toMatchObject({ status: 'handled', claims: { sub: 'alice' } });
    await b.tokens.ready();
    // Tab B signs in as bob over alice's session (no sign-out first): tab A adopts bob's set (`synced`).
    const bobs = auth.authorize(await b.signIn.buildAuthorizationUrl(), { username: 'bob' });
    expect(await b.signIn.handleCallback(bobs)).toMatchObject({ status: 'handled', claims: { sub: 'bob' } });
    await vi.waitFor(() => expect(a.signIn.claims()?.sub).toBe('bob'));
    const current = a.tokens.peekTokens();

    const again = await a.signIn.handleCallback(callback);
    expect(again).toEqual({ status: 'not-a-callback', cleaned: true });
    expect(JSON.stringify(again)).not.toContain(first.status === 'handled' ? first.tokens.accessToken : '-');
    expect(a.tokens.peekTokens()).toBe(current);
    expect(auth.tokenRequestCount).toBe(2);
  });

  it('refreshed there (the same user): the used callback URL still answers its result, as after a refresh here', async () => {
    const { a, b } = twoTabs(await anotherPage());
    const callback = auth.authorize(await a.signIn.buildAuthorizationUrl());
    const first = await a.signIn.handleCallback(callback);
    expect(first).toMatchObject({ status: 'handled', claims: { sub: 'alice' } });
    await b.tokens.ready();
    await b.tokens.getAccessToken({ forceRefresh: true });
    await vi.waitFor(() => expect(a.tokens.peekTokens()).toEqual(b.tokens.peekTokens()));

    expect(await a.signIn.handleCallback(callback)).toBe(first);
    expect(auth.tokenRequestCount).toBe(2);
  });
});
