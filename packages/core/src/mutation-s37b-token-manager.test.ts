import { afterEach, describe, expect, it, vi } from 'vitest';
import { LoginRequiredError } from './errors/login-required-error.js';
import { OAuthError } from './errors/oauth-error.js';
import { TokenManager } from './token-manager.js';
import type { FetchTokens } from './token-manager-options.js';

/**
 * Mutation tests of stop 37 (the manager's brand check `isTesseraError(caught, 'LOGIN_REQUIRED')`):
 * only a `LoginRequiredError` without a cause of its own is explained by the refusal that ended the
 * session. Another Tessera error, or a `LoginRequiredError` that already names its cause, reaches the
 * caller as it is.
 */
const refusal = new OAuthError(
  { error: 'invalid_grant', errorDescription: 'Refresh token revoked', status: 400 },
  'POST https://auth.example.test/oauth/token',
);
const managers: TokenManager[] = [];
afterEach(() => {
  for (const manager of managers.splice(0)) manager.dispose();
});

/** A manager whose session the server ended (`invalid_grant`); `withoutRefreshToken` answers next. */
async function endedSession(withoutRefreshToken: () => Promise<never>) {
  const fetchTokens = vi.fn<FetchTokens>(async ({ refreshToken }) =>
    refreshToken ? Promise.reject(refusal) : withoutRefreshToken(),
  );
  const tokens = new TokenManager({ fetchTokens, retry: false });
  managers.push(tokens);
  await tokens.setTokens({ access_token: 'old', refresh_token: 'revoked', expires_in: 0 });
  await expect(tokens.getAccessToken()).rejects.toBe(refusal);
  return { tokens, fetchTokens };
}

describe('after the server ended the session, a later failure', () => {
  it('that is another Tessera error (invalid_client from a fallback grant) is rethrown as it is, not as LoginRequiredError', async () => {
    const invalidClient = new OAuthError(
      { error: 'invalid_client', status: 401 },
      'POST https://auth.example.test/oauth/token',
    );
    const { tokens, fetchTokens } = await endedSession(() => Promise.reject(invalidClient));

    const later = await tokens.getAccessToken().catch((error: unknown) => error);

    expect(later).toBe(invalidClient);
    expect(later).not.toBeInstanceOf(LoginRequiredError);
    expect((later as Error).message).not.toContain('The session ended earlier');
    expect(fetchTokens).toHaveBeenCalledTimes(2);
  });

  it('that is a LoginRequiredError with a cause of its own keeps it: not re-explained by the earlier refusal', async () => {
    const ownCause = new Error('the identity provider logged the user out');
    const ownError = new LoginRequiredError('Sign in again', { cause: ownCause });
    const { tokens } = await endedSession(() => Promise.reject(ownError));

    const later = await tokens.getAccessToken().catch((error: unknown) => error);

    expect(later).toBe(ownError);
    expect((later as Error).cause).toBe(ownCause);
    expect((later as Error).message).toBe('Sign in again');
  });
});
