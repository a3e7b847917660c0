import { createAuthServer, failUnhandledRequest } from '@tessera/testing';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fakeStorageArea } from '../../test/fixtures/fake-storage-area.js';
import { expectAllRefused, revocationRecorder } from '../../test/fixtures/revocation-recorder.js';
import { MalformedResponseError } from '../errors/malformed-response-error.js';
import { TokenManager } from '../token-manager.js';
import { createSignIn } from './create-sign-in.js';

// Revokes only the token presented: a sign-out that revokes a rotated-out refresh token leaves the live one valid.
const auth = createAuthServer({ revokeFamily: false });
const msw = setupServer(...auth.handlers);
const managers: TokenManager[] = [];

beforeAll(() => msw.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  for (const manager of managers.splice(0)) manager.dispose();
  auth.reset();
});
afterAll(() => msw.close());

describe('a sign-in without `tokens` whose manager kept a refresh token rotated by a refused answer', () => {
  it('signOut revokes that refresh token, the live one, not the one the refresh spent', async () => {
    const { fetch: recordingFetch, issued, revoked } = revocationRecorder(auth);
    let refuseNext = false;
    // The server rotates the refresh token, but its answer has no access token (a hiccup): refused.
    const fetch: typeof globalThis.fetch = async (input, init) => {
      const response = await recordingFetch(input, init);
      if (!refuseNext || String(input) !== auth.tokenUrl) return response;
      refuseNext = false;
      const { access_token: _, ...rest } = (await response.json()) as Record<string, unknown>;
      return Response.json(rest);
    };
    const signIn = createSignIn({
      issuer: auth.issuer,
      clientId: 'web',
      redirectUri: 'https://app.example.test/callback',
      navigate: () => {},
      transactionStorage: fakeStorageArea(),
      fetch,
    });
    const tokens = new TokenManager({ fetchTokens: (context) => signIn.fetchTokens(context), retry: false });
    managers.push(tokens);
    const result = await signIn.handleCallback(auth.authorize(await signIn.buildAuthorizationUrl()));
    if (result.status !== 'handled') throw new Error(result.status);
    await tokens.setTokens(result.tokens);

    refuseNext = true;
    await expect(tokens.getAccessToken({ forceRefresh: true })).rejects.toBeInstanceOf(
      MalformedResponseError,
    );
    const live = issued.at(-1);
    expect(tokens.peekTokens()?.refreshToken).toBe(live); // kept by the manager (decision 0013)

    await signIn.signOut();

    expect(revoked).toContain(live);
    await expectAllRefused(auth, issued);
  });

  it('with `tokens`: a signOut during that refresh revokes the refresh token its refused answer rotated', async () => {
    const { fetch: recordingFetch, issued, revoked, holdNextAnswer } = revocationRecorder(auth);
    let refuseNext = false;
    const fetch: typeof globalThis.fetch = async (input, init) => {
      const response = await recordingFetch(input, init);
      if (!refuseNext || String(input) !== auth.tokenUrl) return response;
      refuseNext = false;
      const { access_token: _, ...rest } = (await response.json()) as Record<string, unknown>;
      return Response.json(rest);
    };
    const tokens: TokenManager = new TokenManager({
      fetchTokens: (context) => signIn.fetchTokens(context),
      retry: false,
    });
    managers.push(tokens);
    const signIn = createSignIn({
      issuer: auth.issuer,
      clientId: 'web',
      redirectUri: 'https://app.example.test/callback',
      navigate: () => {},
      transactionStorage: fakeStorageArea(),
      tokens,
      fetch,
    });
    const result = await signIn.handleCallback(auth.authorize(await signIn.buildAuthorizationUrl()));
    expect(result.status).toBe('handled');

    refuseNext = true;
    const { arrived, release } = holdNextAnswer();
    const refresh = tokens.getAccessToken({ forceRefresh: true }).catch((error: unknown) => error);
    await arrived; // the server rotated the refresh token; its answer is on its way, without an access token
    const signedOut = signIn.signOut();
    release();
    await signedOut;
    await refresh;

    expect(revoked).toContain(issued.at(-1));
    await expectAllRefused(auth, issued);
  });
});
