import { createSignIn, decodeJwtClaims, TokenManager } from '@tessera/core';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { memoryStorage } from '../test/transaction-storage.js';
import { createAuthServer } from './create-auth-server.js';
import { failUnhandledRequest } from './fail-unhandled-request.js';
import { createTestClock } from './test-clock.js';

const start = Date.parse('2026-01-01T00:00:00Z');
const clock = createTestClock(start);
const auth = createAuthServer({ issuer: 'https://refresh.example.test', clock: clock.now });
const server = setupServer(...auth.handlers);

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  auth.reset();
  clock.set(start);
});
afterAll(() => server.close());

describe('with @tessera/core createSignIn and TokenManager', () => {
  it('a refresh stores the new ID token the kit returns: same user, a new iat', async () => {
    const tokens = new TokenManager({
      fetchTokens: (context) => signIn.fetchTokens(context),
      clock: clock.now,
    });
    const signIn = createSignIn({
      issuer: auth.issuer,
      clientId: 'web',
      redirectUri: 'https://app.example.test/callback',
      scope: 'openid offline_access',
      transactionStorage: memoryStorage(),
      navigate: () => {},
      tokens,
      clock: clock.now,
    });
    const callback = auth.authorize(await signIn.buildAuthorizationUrl());
    expect((await signIn.handleCallback(callback)).status).toBe('handled');
    const first = tokens.peekTokens()?.idToken;
    clock.advance(60_000);
    await tokens.getAccessToken({ forceRefresh: true });
    const refreshed = tokens.peekTokens()?.idToken;
    expect(refreshed).not.toBe(first);
    expect(decodeJwtClaims(refreshed ?? '')).toMatchObject({ sub: 'alice', iat: start / 1000 + 60 });
    expect(signIn.claims()).toMatchObject({ sub: 'alice', iat: start / 1000 + 60 });
    expect(auth.authorizationRequests).toEqual([
      {
        via: 'authorize',
        clientId: 'web',
        redirectUri: 'https://app.example.test/callback',
        scope: 'openid offline_access',
        prompt: undefined,
        codeChallengeMethod: 'S256',
        status: 303,
        at: start,
      },
    ]);
    expect(auth.tokenRequests.map((entry) => [entry.grantType, entry.status])).toEqual([
      ['authorization_code', 200],
      ['refresh_token', 200],
    ]);
    tokens.dispose();
  });
});
