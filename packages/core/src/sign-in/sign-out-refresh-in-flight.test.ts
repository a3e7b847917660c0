import { createAuthServer, failUnhandledRequest } from '@tessera/testing';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectAllRefused, revocationRecorder } from '../../test/fixtures/revocation-recorder.js';
import { isTesseraError } from '../errors/guards.js';
import { TokenManager } from '../token-manager.js';
import type { TokenManagerOptions } from '../token-manager-options.js';
import { createSignIn } from './create-sign-in.js';

// A provider that revokes only the token presented, not its whole family: revoking a rotated-out
// refresh token leaves the newest one valid. (oidc-provider, and the kit by default, revoke the
// family, which hides a sign-out that revokes the wrong token.)
const auth = createAuthServer({ revokeFamily: false });
const msw = setupServer(...auth.handlers);

beforeAll(() => msw.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  vi.useRealTimers();
  auth.reset();
});
afterAll(() => msw.close());

/**
 * A signed-in session; `issued` is every refresh token the server handed out, oldest first, and
 * `revoked` every token sent to the revocation endpoint. `holdNextAnswer()` keeps the next token
 * response from the client after the server has answered it: the refresh token is rotated already.
 */
async function signedIn(options: Partial<TokenManagerOptions> = {}) {
  const { fetch: recordingFetch, issued, revoked, holdNextAnswer } = revocationRecorder(auth);
  const tokens = new TokenManager({
    fetchTokens: (context) => signIn.fetchTokens(context),
    retry: false,
    ...options,
  });
  const signIn = createSignIn({
    issuer: auth.issuer,
    clientId: 'web',
    redirectUri: 'https://app.example.test/callback',
    tokens,
    navigate: () => {},
    fetch: recordingFetch,
  });
  const session = await auth.issueTokens();
  issued.push(session.refresh_token ?? '');
  await tokens.setTokens(session);
  return { signIn, tokens, issued, revoked, holdNextAnswer };
}

const isLoginRequired = (error: unknown): boolean => isTesseraError(error, 'LOGIN_REQUIRED');

describe('signOut while a refresh is in flight', () => {
  it('revokes the refresh token that refresh brought too; 300 callers during sign-out get LoginRequiredError and start no refresh', async () => {
    const { signIn, tokens, issued, revoked, holdNextAnswer } = await signedIn();
    const hold = holdNextAnswer();
    const refresh = tokens.getAccessToken({ forceRefresh: true }).catch((error: unknown) => error);
    await hold.arrived;
    expect(issued).toHaveLength(2); // the server rotated the refresh token; the client has not seen it
    const signingOut = signIn.signOut({ navigate: false });
    const callers = Array.from({ length: 300 }, (_, index) =>
      tokens.getAccessToken({ forceRefresh: index % 2 === 0 }).catch((error: unknown) => error),
    );
    hold.release();
    expect(await signingOut).toEqual({ revoked: true, warnings: [], logoutUrl: undefined });

    expect(revoked).toEqual([issued[1], issued[0]]);
    expect(auth.revocationRequests.map((entry) => entry.revoked)).toEqual(['refresh_token', 'refresh_token']);
    const outcomes = [await refresh, ...(await Promise.all(callers))];
    expect(outcomes.filter(isLoginRequired)).toHaveLength(301);
    expect(auth.tokenRequestCount).toBe(1);
    expect(tokens.peekTokens()).toBeUndefined();
    await expectAllRefused(auth, issued);
  });

  it('does not hang on a token endpoint that does not answer: it waits for the manager timeout, then revokes what it holds', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { signIn, tokens, issued, revoked } = await signedIn({ timeout: 5_000 });
    const hold = auth.holdNextTokenRequest();
    const refresh = tokens.getAccessToken({ forceRefresh: true }).catch((error: unknown) => error);
    await hold.arrived;
    let settled = false;
    const signingOut = signIn.signOut({ navigate: false }).finally(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await signingOut).toEqual({ revoked: true, warnings: [], logoutUrl: undefined });
    expect(revoked).toEqual([issued[0]]);
    expect(isTesseraError(await refresh, 'TIMEOUT')).toBe(true);
    // The request the client gave up on reaches the server after the revocation: refused, nothing issued.
    hold.release();
    await vi.waitFor(() => expect(auth.tokenRequests.map((entry) => entry.error)).toEqual(['invalid_grant']));
    expect(issued).toHaveLength(1);
    await expectAllRefused(auth, issued);
  });

  it('takes at most one timeout for both revocations when the revocation endpoint never answers', async () => {
    const { signIn, tokens, issued, holdNextAnswer } = await signedIn();
    const hold = holdNextAnswer();
    const refresh = tokens.getAccessToken({ forceRefresh: true }).catch(() => {});
    await hold.arrived;
    expect(issued).toHaveLength(2);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { http } = await import('msw');
    let revocations = 0;
    msw.use(
      http.post(auth.revocationUrl, () => {
        revocations += 1;
        return new Promise<Response>(() => {});
      }),
    );
    let settled = false;
    const signingOut = signIn.signOut({ navigate: false }).finally(() => {
      settled = true;
    });
    hold.release();
    await refresh;
    // Not vi.waitFor: with fake timers it moves the clock on.
    while (revocations === 0) await new Promise((resolve) => setImmediate(resolve));
    await vi.advanceTimersByTimeAsync(9_999); // createSignIn's default timeout: 10 s
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toBe(true);
    const result = await signingOut;
    msw.resetHandlers();
    expect(result).toMatchObject({ revoked: false, logoutUrl: undefined });
    expect(result.warnings.map((warning) => warning.code)).toEqual(['TIMEOUT']);
    expect(result.warnings[0]?.message).toMatch(/^Revocation request timed out after 10000 ms — POST /);
    expect(revocations).toBe(1); // the older refresh token's turn came after the time was up
  });

  it('after a refresh that finished, revokes only the newest refresh token', async () => {
    const { signIn, tokens, issued, revoked } = await signedIn();
    await tokens.getAccessToken({ forceRefresh: true });
    expect(await signIn.signOut({ navigate: false })).toMatchObject({ revoked: true, warnings: [] });
    expect(revoked).toEqual([issued[1]]);
    await expectAllRefused(auth, issued);
  });

  it('names no refresh token in its result when a revocation fails', async () => {
    const { signIn, tokens, issued, holdNextAnswer } = await signedIn();
    const hold = holdNextAnswer();
    const refresh = tokens.getAccessToken({ forceRefresh: true }).catch(() => {});
    await hold.arrived;
    const { http, HttpResponse } = await import('msw');
    msw.use(
      http.post(auth.revocationUrl, () => HttpResponse.json({ error: 'invalid_request' }, { status: 400 })),
    );
    const signingOut = signIn.signOut({ navigate: false });
    hold.release();
    const result = await signingOut;
    await refresh;
    msw.resetHandlers();
    expect(result.revoked).toBe(false);
    expect(result.warnings.map((warning) => warning.code)).toEqual(['OAUTH_ERROR', 'OAUTH_ERROR']);
    const reported = JSON.stringify(result) + result.warnings.map((warning) => warning.message).join();
    for (const refreshToken of issued) expect(reported).not.toContain(refreshToken);
  });
});
