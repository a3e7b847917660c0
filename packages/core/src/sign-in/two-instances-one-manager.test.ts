import { createAuthServer, failUnhandledRequest } from '@tessera/testing';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectAllRefused, revocationRecorder } from '../../test/fixtures/revocation-recorder.js';
import { isTesseraError } from '../errors/guards.js';
import { TokenManager } from '../token-manager.js';
import { createSignIn } from './create-sign-in.js';

// A provider that revokes only the token presented, so a refresh token left unrevoked stays usable.
const auth = createAuthServer({ revokeFamily: false });
const msw = setupServer(...auth.handlers);

beforeAll(() => msw.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => auth.reset());
afterAll(() => msw.close());

/**
 * One manager and two sign-in instances of one client over it, as an app gets that creates its
 * sign-in in render under StrictMode, or re-creates it on a hot module reload: the manager refreshes
 * through `first`, the app signs out through `second`.
 */
async function twoInstances() {
  const recorder = revocationRecorder(auth);
  const tokens = new TokenManager({ fetchTokens: (context) => first.fetchTokens(context), retry: false });
  const options = {
    issuer: auth.issuer,
    clientId: 'web',
    redirectUri: 'https://app.example.test/callback',
    tokens,
    navigate: () => {},
    fetch: recorder.fetch,
  };
  const first = createSignIn(options);
  const second = createSignIn(options);
  return { ...recorder, tokens, first, second };
}

describe('two sign-in instances over one manager', () => {
  it('a sign-out through the second revokes the refresh token a refresh through the first brought', async () => {
    const { tokens, second, issued, revoked, holdNextAnswer } = await twoInstances();
    const session = await auth.issueTokens();
    issued.push(session.refresh_token ?? '');
    await tokens.setTokens(session);
    const hold = holdNextAnswer();
    const refresh = tokens.getAccessToken({ forceRefresh: true }).catch((error: unknown) => error);
    await hold.arrived;
    const signingOut = second.signOut({ navigate: false });
    // While it signs out, the first instance starts no refresh either: 100 callers, no token request.
    const callers = Array.from({ length: 100 }, () =>
      tokens.getAccessToken({ forceRefresh: true }).catch((error: unknown) => error),
    );
    hold.release();
    expect(await signingOut).toEqual({ revoked: true, warnings: [], logoutUrl: undefined });
    expect(isTesseraError(await refresh, 'LOGIN_REQUIRED')).toBe(true);
    for (const outcome of await Promise.all(callers))
      expect(isTesseraError(outcome, 'LOGIN_REQUIRED')).toBe(true);
    expect(auth.tokenRequestCount).toBe(1);
    expect(revoked).toEqual([issued[1], issued[0]]);
    expect(tokens.peekTokens()).toBeUndefined();
    await expectAllRefused(auth, issued);
  });

  it('a double click on sign-out across both instances revokes once', async () => {
    const { tokens, first, second, revoked } = await twoInstances();
    await tokens.setTokens(await auth.issueTokens());
    const [a, b] = await Promise.all([
      first.signOut({ navigate: false }),
      second.signOut({ navigate: false }),
    ]);
    expect(a).toBe(b);
    expect(revoked).toHaveLength(1);
  });

  it('200 instances of one client (one created in every render) add one listener to the manager; another client adds its own', () => {
    const tokens = new TokenManager({ fetchTokens: async () => ({ access_token: 'at' }), retry: false });
    const subscribe = vi.spyOn(tokens, 'subscribe');
    const options = {
      issuer: auth.issuer,
      clientId: 'web',
      redirectUri: 'https://app.example.test/callback',
      tokens,
    };
    for (let index = 0; index < 200; index += 1) createSignIn(options);
    expect(subscribe).toHaveBeenCalledTimes(1);
    createSignIn({ ...options, clientId: 'admin' });
    createSignIn({ ...options, clientId: 'admin' });
    expect(subscribe).toHaveBeenCalledTimes(2);
  });
});
