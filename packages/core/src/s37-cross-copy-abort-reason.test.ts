import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as esm from './index.js';

/**
 * The dual-package hazard (pinned as supported in packages/{fetch,axios}/src/s37-two-copies-of-core.test.ts):
 * a `signal` aborted with a Tessera error of another copy of core — here the built CommonJS file beside
 * these sources, as when a `TokenManager` of one copy hands its attempt's signal to a grant, `discover()`
 * or `revokeToken()` of the other. Its reason is a Tessera error (the brand says so), so it is rethrown
 * as it is, as a reason of this copy is: not wrapped in this copy's `AbortError`.
 * Reads core's build: `pnpm --filter @tessera/core build` first (`pnpm check` builds before its tests).
 */
const cjs = createRequire(import.meta.url)('../dist/index.cjs') as typeof esm;
const fetchSpy = vi.fn(async () => Response.json({}));
afterEach(() => fetchSpy.mockClear());

function abortedWithOtherCopyError(): { signal: AbortSignal; reason: esm.TesseraError } {
  const controller = new AbortController();
  const reason = new cjs.TimeoutError(5_000, 'storage', 'Token storage get()');
  controller.abort(reason);
  return { signal: controller.signal, reason };
}

describe('a signal aborted with a Tessera error of another copy of core', () => {
  it('is another copy indeed', () => {
    expect(new cjs.DisposedError()).not.toBeInstanceOf(esm.TesseraError);
    expect(esm.isTesseraError(new cjs.DisposedError(), 'DISPOSED')).toBe(true);
  });

  it('discover() rejects with that error itself, not an AbortError, and sends nothing', async () => {
    const { signal, reason } = abortedWithOtherCopyError();
    await expect(esm.discover('https://issuer.example.com', { signal, fetch: fetchSpy })).rejects.toBe(
      reason,
    );
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('a token request (refreshTokenGrant) rejects with that error itself, not an AbortError', async () => {
    const { signal, reason } = abortedWithOtherCopyError();
    const fetchTokens = esm.refreshTokenGrant({
      tokenUrl: 'https://issuer.example.com/token',
      clientId: 'web',
      fetch: fetchSpy,
    });
    await expect(fetchTokens({ refreshToken: 'rt-1', signal } as never)).rejects.toBe(reason);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('a token request aborted while it waits for the answer rejects with that error itself', async () => {
    const controller = new AbortController();
    const reason = new cjs.DisposedError();
    const fetchTokens = esm.refreshTokenGrant({
      tokenUrl: 'https://issuer.example.com/token',
      clientId: 'web',
      fetch: () => new Promise<never>(() => {}),
    });
    const sent = fetchTokens({ refreshToken: 'rt-1', signal: controller.signal } as never);
    controller.abort(reason);
    await expect(sent).rejects.toBe(reason);
  });

  it('a reason that is no Tessera error is still wrapped in AbortError, with it as cause', async () => {
    const controller = new AbortController();
    const reason = new Error('navigated away');
    controller.abort(reason);
    const error = await esm
      .discover('https://issuer.example.com', { signal: controller.signal, fetch: fetchSpy })
      .catch((caught: unknown) => caught);
    expect(esm.isTesseraError(error, 'ABORTED')).toBe(true);
    expect((error as Error).cause).toBe(reason);
  });

  it("a manager explains another copy's LoginRequiredError with the invalid_grant that ended the session", async () => {
    // The whole grant from the other copy: its invalid_grant ends the session (isOAuthError reads the brand);
    // its later LoginRequiredError (no refresh token left) is explained by that refusal as this copy's is.
    const tokenRequests = vi.fn(async () => Response.json({ error: 'invalid_grant' }, { status: 400 }));
    const tokens = new esm.TokenManager({
      fetchTokens: cjs.refreshTokenGrant({
        tokenUrl: 'https://issuer.example.com/token',
        clientId: 'web',
        fetch: tokenRequests,
      }),
      retry: false,
    });
    await tokens.setTokens({ access_token: 'old', refresh_token: 'revoked', expires_in: 0 });
    const refusal = await tokens.getAccessToken().catch((caught: unknown) => caught);
    expect(esm.isOAuthError(refusal, 'invalid_grant')).toBe(true);

    const later = await tokens.getAccessToken().catch((caught: unknown) => caught);
    expect(esm.isTesseraError(later, 'LOGIN_REQUIRED')).toBe(true);
    expect((later as Error).cause).toBe(refusal);
    expect((later as Error).message).toBe(
      `No refresh token is available: the user must sign in. The session ended earlier: ${(refusal as Error).message}`,
    );
    expect(tokenRequests).toHaveBeenCalledTimes(1);
    tokens.dispose();
  });
});
