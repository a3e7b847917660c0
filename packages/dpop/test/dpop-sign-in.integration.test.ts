// Sign-in (authorization code + PKCE) with DPoP against oidc-provider with DPoP-bound tokens and
// nonces required for the SPA client, the login form driven over HTTP from Node. Every call to the
// provider goes through `dpop.fetch` (`createSignIn({ fetch: dpop.fetch })`).

import { createSignIn, isOAuthError, memoryStorage, requestToken, TokenManager } from '@tessera/core';
import {
  type IdentityProvider,
  signInThroughForms,
  startIdentityProvider,
} from '@tessera/example-identity-provider';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeStorageArea } from '../../core/test/fixtures/fake-storage-area.js';
import { bindStorageToKey, createDPoP } from '../src/index.js';

const APP = 'http://127.0.0.1:5998';
let provider: IdentityProvider;

beforeAll(async () => {
  provider = await startIdentityProvider({ port: 0, appOrigins: [APP], dpop: true });
});
afterAll(async () => {
  await provider?.close();
});

/**
 * `one option`: `new TokenManager({ senderConstraint: dpop })`, and `createSignIn` without `fetch`.
 * `explicit`: `tokenTypes`, `bindStorageToKey` and `createSignIn({ fetch: dpop.fetch })`.
 */
function setUp(wiring: 'one option' | 'explicit' = 'explicit') {
  const dpop = createDPoP();
  const explicit = wiring === 'explicit';
  const tokens = new TokenManager({
    ...(explicit
      ? { tokenTypes: ['DPoP'], storage: bindStorageToKey(memoryStorage(), dpop) }
      : { senderConstraint: dpop, storage: memoryStorage() }),
    fetchTokens: (context) => signIn.fetchTokens(context),
    retry: false,
  });
  const signIn = createSignIn({
    issuer: provider.issuer,
    clientId: provider.clientId,
    redirectUri: `${APP}/callback`,
    postLogoutRedirectUri: `${APP}/`,
    scope: 'openid profile email api:read',
    tokens,
    transactionStorage: fakeStorageArea(),
    navigate: () => undefined,
    ...(explicit ? { fetch: dpop.fetch } : {}),
  });
  return { dpop, signIn, tokens };
}

const logSince = (start: number, path: string) =>
  provider.requestLog.slice(start).filter((entry) => entry.method === 'POST' && entry.path === path);

describe('createSignIn with DPoP against oidc-provider with DPoP and nonces required', () => {
  it.each(['explicit', 'one option'] as const)(
    'gets a DPoP-bound token from the code exchange; its refresh works and stays bound; sign-out revokes with a proof (%s)',
    async (wiring) => {
      const { dpop, signIn, tokens } = setUp(wiring);
      const { thumbprint } = await dpop.ready();
      const start = provider.requestLog.length;

      const result = await signIn.handleCallback(
        await signInThroughForms(await signIn.buildAuthorizationUrl()),
      );

      expect(result).toMatchObject({ status: 'handled', claims: { sub: 'alice' } });
      // One nonce challenge, one exchange: every request carried a proof.
      expect(logSince(start, '/token').map((entry) => [entry.status, entry.dpop])).toEqual([
        [400, true],
        [200, true],
      ]);
      const first = tokens.peekTokens();
      expect(first?.tokenType).toBe('DPoP');
      expect(decodeJwt(first?.accessToken ?? '').cnf).toEqual({ jkt: thumbprint });

      const refreshStart = provider.requestLog.length;
      const refreshed = await tokens.getTokens({ forceRefresh: true });
      expect(refreshed.accessToken).not.toBe(first?.accessToken);
      expect(refreshed.refreshToken).not.toBe(first?.refreshToken);
      expect(refreshed.tokenType).toBe('DPoP');
      expect(decodeJwt(refreshed.accessToken).cnf).toEqual({ jkt: thumbprint });
      // The nonce is known now: one request, no retry.
      expect(logSince(refreshStart, '/token').map((entry) => [entry.status, entry.dpop])).toEqual([
        [200, true],
      ]);

      const signOutStart = provider.requestLog.length;
      const signedOut = await signIn.signOut({ navigate: false });
      expect(signedOut).toMatchObject({ revoked: true, warnings: [] });
      const revocations = logSince(signOutStart, '/token/revocation');
      expect(revocations.length).toBeGreaterThan(0);
      expect(revocations.every((entry) => entry.dpop)).toBe(true);
      expect(revocations.at(-1)?.status).toBe(200);
      await expect(
        requestToken({
          tokenUrl: `${provider.issuer}/token`,
          grantType: 'refresh_token',
          clientId: provider.clientId,
          params: { refresh_token: refreshed.refreshToken ?? '' },
          fetch: dpop.fetch,
        }),
      ).rejects.toSatisfy((error) => isOAuthError(error, 'invalid_grant'));
    },
  );

  it('a thief with the refresh token but without the key gets no token', async () => {
    const { signIn, tokens } = setUp('one option');
    await signIn.handleCallback(await signInThroughForms(await signIn.buildAuthorizationUrl()));
    const refreshToken = tokens.peekTokens()?.refreshToken ?? '';
    const refresh = (fetch?: typeof globalThis.fetch) =>
      requestToken({
        tokenUrl: `${provider.issuer}/token`,
        grantType: 'refresh_token',
        clientId: provider.clientId,
        params: { refresh_token: refreshToken },
        ...(fetch ? { fetch } : {}),
      });

    await expect(refresh()).rejects.toSatisfy((error) => isOAuthError(error));
    await expect(refresh(createDPoP().fetch)).rejects.toSatisfy((error) =>
      isOAuthError(error, 'invalid_grant'),
    );
    tokens.dispose();
  });
});
