import { createAuthServer, failUnhandledRequest } from '@tessera/testing';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fakeStorageArea } from '../test/fixtures/fake-storage-area.js';
import { expectAllRefused, revocationRecorder } from '../test/fixtures/revocation-recorder.js';
import { MalformedResponseError } from './errors/malformed-response-error.js';
import { NetworkError } from './errors/network-error.js';
import { createSignIn } from './sign-in/create-sign-in.js';
import { TokenManager } from './token-manager.js';

// Revokes only the token presented: a sign-out that revokes a spent refresh token leaves the live one valid.
const auth = createAuthServer({ revokeFamily: false });
const msw = setupServer(...auth.handlers);
const managers: TokenManager[] = [];

beforeAll(() => msw.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  for (const manager of managers.splice(0)) manager.dispose();
  auth.reset();
});
afterAll(() => msw.close());

/** A sign-in without `tokens` (it tracks its own session) on `fetch`, signed in, and its manager. */
async function signedIn(fetch: typeof globalThis.fetch) {
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
  return { signIn, tokens };
}

describe('a sign-in without `tokens` after a refused refresh answer (decision 0013)', () => {
  it('then a refresh that never reached the server: signOut still revokes the refresh token the refused answer rotated', async () => {
    const { fetch: recordingFetch, issued, revoked } = revocationRecorder(auth);
    let next: 'refuse' | 'offline' | undefined;
    const fetch: typeof globalThis.fetch = async (input, init) => {
      if (String(input) !== auth.tokenUrl || !next) return recordingFetch(input, init);
      const what = next;
      next = undefined;
      if (what === 'offline') throw new TypeError('fetch failed');
      // The server rotates the refresh token, but its answer has no access token: refused.
      const { access_token: _, ...rest } = (await (await recordingFetch(input, init)).json()) as object &
        Record<string, unknown>;
      return Response.json(rest);
    };
    const { signIn, tokens } = await signedIn(fetch);

    next = 'refuse';
    await expect(tokens.getAccessToken({ forceRefresh: true })).rejects.toBeInstanceOf(
      MalformedResponseError,
    );
    const live = issued.at(-1);
    next = 'offline';
    await expect(tokens.getAccessToken({ forceRefresh: true })).rejects.toBeInstanceOf(NetworkError);
    expect(tokens.peekTokens()?.refreshToken).toBe(live);

    await signIn.signOut();

    expect(revoked).toContain(live);
    await expectAllRefused(auth, issued);
  });

  it('whose refresh_token is not a string: signOut still revokes the session’s refresh token', async () => {
    const { fetch: recordingFetch, issued, revoked } = revocationRecorder(auth);
    let refuseNext = false;
    // Never reaches the server: the refresh token sent stays live there.
    const fetch: typeof globalThis.fetch = async (input, init) => {
      if (String(input) !== auth.tokenUrl || !refuseNext) return recordingFetch(input, init);
      refuseNext = false;
      return Response.json({ token_type: 'Bearer', refresh_token: 42 });
    };
    const { signIn, tokens } = await signedIn(fetch);
    const live = tokens.peekTokens()?.refreshToken;

    refuseNext = true;
    await expect(tokens.getAccessToken({ forceRefresh: true })).rejects.toBeInstanceOf(
      MalformedResponseError,
    );

    await signIn.signOut();

    expect(revoked).toContain(live);
    await expectAllRefused(auth, issued);
  });
  it('refreshing a set the app put in the manager (not this sign-in’s): a refused rotation of it never replaces the session signOut revokes', async () => {
    const { fetch: recordingFetch, issued, revoked } = revocationRecorder(auth);
    let refuseNext = false;
    const fetch: typeof globalThis.fetch = async (input, init) => {
      const response = await recordingFetch(input, init);
      if (!refuseNext || String(input) !== auth.tokenUrl) return response;
      refuseNext = false;
      const { access_token: _, ...rest } = (await response.json()) as Record<string, unknown>;
      return Response.json(rest);
    };
    const { signIn, tokens } = await signedIn(fetch);
    const signedInWith = tokens.peekTokens()?.refreshToken;
    // Another session (another sign-in's), handed to this manager by the app.
    const other = (await signedIn(fetch)).tokens.peekTokens()?.refreshToken;
    if (!other) throw new Error('no refresh token');
    await tokens.setTokens({ access_token: 'other', refresh_token: other, expires_in: 60 });

    refuseNext = true;
    await expect(tokens.getAccessToken({ forceRefresh: true })).rejects.toBeInstanceOf(
      MalformedResponseError,
    );

    await signIn.signOut();

    expect(revoked).toContain(signedInWith);
    expect(revoked).toContain(issued.at(-1));
    await expectAllRefused(auth, issued);
  });
});
