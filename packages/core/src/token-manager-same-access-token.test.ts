import { afterEach, describe, expect, it } from 'vitest';
import { rotatingRefreshTokens } from '../test/fixtures/rotating-refresh-tokens.js';
import type { TokenEvent } from './events.js';
import { memoryStorage } from './storage/memory-storage.js';
import { TokenManager } from './token-manager.js';
import type { FetchTokens } from './token-manager-options.js';
import type { TokenSet } from './token-set.js';

const managers: TokenManager[] = [];
afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
});

describe('a server that rotates the refresh token but answers the same access token', () => {
  it('a manager sharing the storage uses the rotated refresh token another one stored, never the spent one', async () => {
    const server = rotatingRefreshTokens();
    // The access token is re-issued unchanged (a server that caches it); only the refresh token rotates.
    const fetchTokens: FetchTokens = async (context) => ({
      ...(await server.fetchTokens(context)),
      access_token: 'at-same',
      expires_in: 600,
    });
    const storage = memoryStorage();
    storage.set({ accessToken: 'at-same', tokenType: 'Bearer', refreshToken: 'rt-0', expiresAt: 0 });
    const a = new TokenManager({ fetchTokens, storage, retry: false });
    const b = new TokenManager({ fetchTokens, storage, retry: false });
    managers.push(a, b);
    await b.ready(); // b holds rt-0, due
    const events: TokenEvent['type'][] = [];
    b.subscribe((event) => events.push(event.type));

    expect(await a.getAccessToken()).toBe('at-same'); // stores rt-1
    expect(await b.getAccessToken()).toBe('at-same');
    expect(b.peekTokens()?.refreshToken).toBe('rt-1');
    expect(await b.getAccessToken({ forceRefresh: true })).toBe('at-same');

    expect(server.requests).toEqual([{ refreshToken: 'rt-0' }, { refreshToken: 'rt-1' }]);
    expect(events).not.toContain('session_expired');
    expect((storage.get() as { refreshToken: string }).refreshToken).toBe('rt-2');
  });

  it('a change heard from storage with the same access token and a rotated refresh token is adopted: the next refresh sends that one', async () => {
    const server = rotatingRefreshTokens();
    let onChange: ((tokens: unknown) => void) | undefined;
    let stored: unknown = { accessToken: 'at-same', tokenType: 'Bearer', refreshToken: 'rt-0', expiresAt: 0 };
    const storage = {
      get: () => stored,
      set: (tokens: TokenSet) => {
        stored = tokens;
      },
      remove: () => {
        stored = null;
      },
      subscribe: (listener: (tokens: unknown) => void) => {
        onChange = listener;
        return () => {};
      },
    };
    const b = new TokenManager({ fetchTokens: server.fetchTokens, storage, retry: false });
    managers.push(b);
    await b.ready();
    // Another replica refreshed with rt-0 (spent now) and got the same access token back with rt-1.
    await server.fetchTokens({ refreshToken: 'rt-0', signal: new AbortController().signal } as never);
    stored = { accessToken: 'at-same', tokenType: 'Bearer', refreshToken: 'rt-1', expiresAt: 0 };
    onChange?.(stored);
    expect(b.peekTokens()?.refreshToken).toBe('rt-1');
    expect(await b.getAccessToken({ forceRefresh: true })).toBe('at-2');
    expect(server.requests).toEqual([{ refreshToken: 'rt-0' }, { refreshToken: 'rt-1' }]);
  });

  it('a storage that persists the set without its refresh token still holds our set: refreshes go on with the one in memory', async () => {
    const server = rotatingRefreshTokens({ expiresIn: 0 });
    let stored: unknown;
    // "Never persist the refresh token": each refresh reads back our set without it.
    const storage = {
      get: () => stored,
      set: ({ refreshToken: _, ...rest }: TokenSet) => {
        stored = rest;
      },
      remove: () => {
        stored = null;
      },
    };
    const tokens = new TokenManager({ fetchTokens: server.fetchTokens, storage, retry: false });
    managers.push(tokens);
    await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt-0', expires_in: 0 });
    expect(await tokens.getAccessToken({ forceRefresh: true })).toBe('at-1');
    expect(await tokens.getAccessToken({ forceRefresh: true })).toBe('at-2');
    expect(tokens.peekTokens()?.refreshToken).toBe('rt-2');
    expect(server.requests).toEqual([{ refreshToken: 'rt-0' }, { refreshToken: 'rt-1' }]);
  });
});
