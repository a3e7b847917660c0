import { refreshTokenGrant, TokenManager } from '@tessera/core';

/**
 * Managers signed in with `at-0` / `rt-0` (refresh grant at `tokenUrl`, no retries), for the unit tests
 * of `attachTokenManager`: `manager()` makes one, `disposeAll()` (in `afterEach`) disposes of them all.
 */
export function signedInManagers(tokenUrl: string): {
  manager: () => Promise<TokenManager>;
  disposeAll: () => void;
} {
  const managers: TokenManager[] = [];
  return {
    async manager() {
      const tokens = new TokenManager({
        fetchTokens: refreshTokenGrant({ tokenUrl, clientId: 'web' }),
        retry: false,
      });
      managers.push(tokens);
      await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt-0', expires_in: 300 });
      return tokens;
    },
    disposeAll() {
      for (const tokens of managers.splice(0)) tokens.dispose();
    },
  };
}
