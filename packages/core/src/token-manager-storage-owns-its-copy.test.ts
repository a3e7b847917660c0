import { createAuthServer, failUnhandledRequest } from '@tessera/testing';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { refreshTokenGrant } from './grants/refresh-token-grant.js';
import type { TokenStorage } from './storage/token-storage.js';
import { TokenManager } from './token-manager.js';
import type { TokenSet } from './token-set.js';

const auth = createAuthServer();
const msw = setupServer(...auth.handlers);
beforeAll(() => msw.listen({ onUnhandledRequest: failUnhandledRequest }));
afterAll(() => msw.close());
const managers: TokenManager[] = [];
afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
  auth.reset();
});

describe('a storage that changes the set it is given', () => {
  it('strips the refresh token from what it persists, not from the set the manager refreshes with', async () => {
    const persisted: string[] = [];
    // "Never persist the refresh token": a common custom storage, written to edit what it is handed.
    const storage: TokenStorage = {
      get: () => undefined,
      set: (tokens: TokenSet) => {
        delete tokens.refreshToken;
        persisted.push(JSON.stringify(tokens));
      },
      remove: () => {},
    };
    const tokens = new TokenManager({
      fetchTokens: refreshTokenGrant({ tokenUrl: auth.tokenUrl, clientId: 'web' }),
      storage,
      retry: false,
    });
    managers.push(tokens);
    const issued = await auth.issueTokens();
    await tokens.setTokens(issued);
    expect(tokens.peekTokens()?.refreshToken).toBe(issued.refresh_token);

    const refreshed = await Promise.all(
      Array.from({ length: 200 }, () => tokens.getAccessToken({ forceRefresh: true })),
    );
    await tokens.getAccessToken({ forceRefresh: true });

    expect(new Set(refreshed).size).toBe(1);
    expect(auth.tokenRequests.map(({ grantType, status }) => [grantType, status])).toEqual([
      ['refresh_token', 200],
      ['refresh_token', 200],
    ]);
    expect(persisted).toHaveLength(3);
    for (const entry of persisted) expect(entry).not.toContain('refreshToken');
  });

  it('encrypts in place what it persists, and the manager still sends its own access token', async () => {
    const storage: TokenStorage = {
      get: () => undefined,
      set: (tokens: TokenSet) => {
        tokens.accessToken = `enc:${tokens.accessToken.length}`;
      },
      remove: () => {},
    };
    const tokens = new TokenManager({ fetchTokens: async () => ({ access_token: 'unused' }), storage });
    managers.push(tokens);
    await tokens.setTokens({ access_token: 'at-0', expires_in: 600 });

    expect(await tokens.getAccessToken()).toBe('at-0');
    expect(tokens.peekTokens()?.accessToken).toBe('at-0');
  });
});
