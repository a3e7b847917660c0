import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { MalformedResponseError } from './errors/malformed-response-error.js';
import type { TokenEvent } from './events.js';
import { memoryStorage } from './storage/memory-storage.js';
import { TokenManager } from './token-manager.js';
import type { TokenSet } from './token-set.js';

const managers: TokenManager[] = [];
afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
});

describe('a custom fetchTokens refusing in camelCase (a TokenSet) keeps the refresh token it rotated (decision 0013)', () => {
  it.each([
    ['a tokenType not in tokenTypes', { accessToken: 'at-1', tokenType: 'mac' }, 'invalid_field'],
    ['an expiresAt that is not a number', { accessToken: 'at-1', expiresAt: 'soon' }, 'invalid_field'],
    ['no access token', { tokenType: 'mac' }, 'missing_access_token'],
  ])('%s: refused, and the next refresh sends the rotated refreshToken', async (_, refused, reason) => {
    const sent: (string | undefined)[] = [];
    const storage = memoryStorage();
    const tokens = new TokenManager({
      fetchTokens: async ({ refreshToken }) => {
        sent.push(refreshToken);
        return (
          sent.length === 1
            ? { ...refused, refreshToken: 'rt-1' }
            : { accessToken: 'at-2', refreshToken: 'rt-2', expiresAt: Date.now() + 300_000 }
        ) as TokenSet;
      },
      storage,
      retry: false,
    });
    managers.push(tokens);
    await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt-0', expires_in: 300 });
    const events: TokenEvent[] = [];
    tokens.subscribe((event) => void events.push(event));
    const before = tokens.peekTokens();

    const error = await tokens.getAccessToken({ forceRefresh: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error).toMatchObject({ reason });
    // The old access token with its expiry, the rotated refresh token: in memory and in storage.
    expect(tokens.peekTokens()).toEqual({ ...before, refreshToken: 'rt-1' });
    expect(await storage.get()).toEqual({ ...before, refreshToken: 'rt-1' });

    expect(await tokens.getAccessToken({ forceRefresh: true })).toBe('at-2');
    expect(sent).toEqual(['rt-0', 'rt-1']);
    expect(events.map((event) => event.type)).toEqual(['refresh_failed', 'refreshed']);
    expect(inspect([error, events[0]], { depth: 20, showHidden: true })).not.toContain('rt-1');
  });
});
