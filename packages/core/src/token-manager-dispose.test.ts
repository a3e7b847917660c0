import { afterEach, describe, expect, it, vi } from 'vitest';
import { backgroundRefresh } from './background-refresh.js';
import { DisposedError } from './errors/disposed-error.js';
import { memoryStorage } from './storage/memory-storage.js';
import type { TokenStorage } from './storage/token-storage.js';
import { TokenManager } from './token-manager.js';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('dispose()', () => {
  it('releases the background timer and listeners and never throws when the storage’s unsubscribe throws', async () => {
    vi.useFakeTimers();
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    let publish: (value: unknown) => void = () => {};
    const get = vi.fn(async () => null);
    const storage: TokenStorage = {
      ...memoryStorage(),
      get,
      subscribe: (onChange) => {
        publish = onChange;
        return () => {
          throw new Error('channel already closed');
        };
      },
    };
    const tokens = new TokenManager({
      fetchTokens: async () => ({ access_token: 'at-1', token_type: 'Bearer', expires_in: 3600 }),
      storage,
      refreshInBackground: backgroundRefresh(),
    });
    const seen: string[] = [];
    tokens.subscribe((event) => seen.push(event.type));
    await tokens.getAccessToken();
    expect(vi.getTimerCount()).toBe(1); // the background refresh
    const reads = get.mock.calls.length;
    seen.length = 0;

    expect(() => tokens.dispose()).not.toThrow();
    expect(vi.getTimerCount()).toBe(0);
    expect(consoleError).toHaveBeenCalledTimes(1);
    // The subscription the storage could not end still delivers: the disposed manager ignores it.
    publish({ accessToken: 'from-another-tab', tokenType: 'Bearer' });
    publish(null);
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual([]);
    expect(get).toHaveBeenCalledTimes(reads);
    expect(tokens.peekTokens()?.accessToken).toBe('at-1');
    expect(vi.getTimerCount()).toBe(0);
    await expect(tokens.getAccessToken()).rejects.toBeInstanceOf(DisposedError);
  });

  it('still ends the storage subscription when a custom background scheduler’s stop() throws', () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    const unsubscribe = vi.fn();
    const tokens = new TokenManager({
      fetchTokens: async () => ({ access_token: 'at-1', token_type: 'Bearer' }),
      storage: { ...memoryStorage(), subscribe: () => unsubscribe },
      refreshInBackground: () => ({
        schedule: () => {},
        stop: () => {
          throw new Error('scheduler broken');
        },
        scheduled: false,
      }),
    });

    expect(() => tokens.dispose()).not.toThrow();
    expect(unsubscribe).toHaveBeenCalledTimes(1);
    expect(consoleError).toHaveBeenCalledTimes(1);
  });
  it('serves nothing when the first read lands after dispose(): no token, no background timer, DisposedError from every call', async () => {
    vi.useFakeTimers();
    let land: (value: unknown) => void = () => {};
    const fetchTokens = vi.fn(async () => ({
      access_token: 'at-new',
      token_type: 'Bearer',
      expires_in: 3600,
    }));
    const tokens = new TokenManager({
      fetchTokens,
      storage: { ...memoryStorage(), get: () => new Promise((resolve) => (land = resolve)) },
      refreshInBackground: backgroundRefresh(),
    });
    const loading = tokens.ready();
    tokens.dispose();
    await expect(loading).rejects.toBeInstanceOf(DisposedError);
    // The read lands later with a set that is fresh for an hour.
    land({ accessToken: 'at-stored', tokenType: 'Bearer', expiresAt: Date.now() + 3_600_000 });
    await vi.advanceTimersByTimeAsync(0);

    expect(tokens.freshTokens()).toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
    await expect(tokens.getAccessToken()).rejects.toBeInstanceOf(DisposedError);
    await expect(tokens.getTokens()).rejects.toBeInstanceOf(DisposedError);
    await expect(tokens.ready()).rejects.toBeInstanceOf(DisposedError);
    await expect(tokens.setTokens({ access_token: 'at-late' })).rejects.toBeInstanceOf(DisposedError);
    expect(fetchTokens).not.toHaveBeenCalled();
  });
});
