import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AbortError } from './errors/abort-error.js';
import { DisposedError } from './errors/disposed-error.js';
import { TimeoutError } from './errors/timeout-error.js';
import type { TokenEvent } from './events.js';
import type { TokenStorage } from './storage/token-storage.js';
import { TokenManager } from './token-manager.js';
import type { FetchTokens } from './token-manager-options.js';

/** A storage whose every `get`, `set` and `remove` never settles (a locked IndexedDB, a Redis that never answers). */
function hungStorage(hang: { get?: boolean; set?: boolean; remove?: boolean }, stored?: unknown) {
  const never = () => new Promise<never>(() => {});
  const storage = {
    get: vi.fn(() => (hang.get ? never() : stored)),
    set: vi.fn((tokens: unknown) => {
      if (hang.set) return never();
      stored = tokens;
    }),
    remove: vi.fn(() => (hang.remove ? never() : undefined)),
  } satisfies TokenStorage;
  return storage;
}

const managers: TokenManager[] = [];
beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
  vi.useRealTimers();
});

function manager(storage: TokenStorage, fetchTokens: FetchTokens) {
  const created = new TokenManager({ fetchTokens, storage, retry: false, timeout: 5_000 });
  managers.push(created);
  const events: TokenEvent[] = [];
  created.subscribe((event) => events.push(event));
  return { tokens: created, events };
}

/** Records how a promise settled without ever leaving it unhandled. */
function outcome<T>(promise: Promise<T>) {
  const seen: { value?: T; error?: unknown; settled: boolean } = { settled: false };
  promise.then(
    (value) => Object.assign(seen, { value, settled: true }),
    (error: unknown) => Object.assign(seen, { error, settled: true }),
  );
  return seen;
}

describe('a storage operation that never settles', () => {
  it('fails the first read after `timeout`: 200 callers get one token from one token request', async () => {
    const storage = hungStorage({ get: true });
    const fetchTokens = vi.fn(async () => ({ access_token: 'fresh', expires_in: 600 }));
    const { tokens, events } = manager(storage, fetchTokens);
    const callers = Array.from({ length: 200 }, () => outcome(tokens.getAccessToken()));

    // The first read times out after 5 s, then the refresh's own re-read of storage after 5 s more.
    await vi.advanceTimersByTimeAsync(9_999);
    expect(callers.filter((caller) => caller.settled)).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);

    expect(callers.map((caller) => caller.value)).toEqual(Array(200).fill('fresh'));
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(fetchTokens).toHaveBeenCalledWith(expect.objectContaining({ refreshToken: undefined }));
    const failures = events.filter((event) => event.type === 'storage_error');
    expect(failures.map((event) => (event as { operation: string }).operation)).toEqual(['get', 'get']);
    const { error } = failures[0] as { error: TimeoutError };
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toBe('Token storage get() timed out after 5000 ms — storage');
    // The set was still written (after the hung read), and no timer is left.
    expect(storage.set).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('fails the re-read of a refresh after `timeout`: the refresh goes on with the refresh token in memory', async () => {
    let reads = 0;
    const storage: TokenStorage = {
      // The first read answers; every later one hangs.
      get: () => (reads++ === 0 ? undefined : new Promise<never>(() => {})),
      set: () => {},
      remove: () => {},
    };
    const fetchTokens = vi.fn(async () => ({
      access_token: 'refreshed',
      refresh_token: 'rt-2',
      expires_in: 600,
    }));
    const { tokens } = manager(storage, fetchTokens);
    await tokens.setTokens({ access_token: 'old', refresh_token: 'rt-1', expires_in: 60 });
    await vi.advanceTimersByTimeAsync(60_000);

    const caller = outcome(tokens.getAccessToken());
    await vi.advanceTimersByTimeAsync(5_000);

    expect(caller).toEqual({ value: 'refreshed', settled: true });
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(fetchTokens).toHaveBeenCalledWith(expect.objectContaining({ refreshToken: 'rt-1' }));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('fails a write after `timeout`: setTokens() resolves, the set is served, and a later clear() still runs', async () => {
    const storage = hungStorage({ set: true });
    const fetchTokens = vi.fn(async () => ({ access_token: 'unused' }));
    const { tokens, events } = manager(storage, fetchTokens);
    const setting = outcome(tokens.setTokens({ access_token: 'given', expires_in: 600 }));
    await vi.advanceTimersByTimeAsync(5_000);

    expect(setting.settled).toBe(true);
    expect(setting.value?.accessToken).toBe('given');
    expect(events.filter((event) => event.type === 'storage_error')).toMatchObject([
      { operation: 'set', error: { name: 'TimeoutError', timeout: 5_000 } },
    ]);
    await expect(tokens.getAccessToken()).resolves.toBe('given');

    const clearing = outcome(tokens.clear());
    await vi.advanceTimersByTimeAsync(0);
    expect(clearing.settled).toBe(true);
    expect(storage.remove).toHaveBeenCalledTimes(1);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('rejects only the caller whose signal aborts, with AbortError; the others get the token', async () => {
    const storage = hungStorage({ get: true });
    const fetchTokens = vi.fn(async () => ({ access_token: 'fresh', expires_in: 600 }));
    const { tokens } = manager(storage, fetchTokens);
    const controller = new AbortController();
    const aborting = Array.from({ length: 100 }, () =>
      outcome(tokens.getAccessToken({ signal: controller.signal })),
    );
    const waiting = Array.from({ length: 100 }, () => outcome(tokens.getAccessToken()));

    await vi.advanceTimersByTimeAsync(1_000);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(aborting.every((caller) => caller.error instanceof AbortError)).toBe(true);
    expect(waiting.filter((caller) => caller.settled)).toHaveLength(0);

    await vi.advanceTimersByTimeAsync(9_000);
    expect(waiting.map((caller) => caller.value)).toEqual(Array(100).fill('fresh'));
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    // Nothing poisoned: a later caller gets the cached token without a request.
    await expect(tokens.getAccessToken()).resolves.toBe('fresh');
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(storage.get).toHaveBeenCalledTimes(2);
  });

  it.each([
    ['setTokens()', (tokens: TokenManager): Promise<unknown> => tokens.setTokens({ access_token: 'given' })],
    ['clear()', (tokens: TokenManager): Promise<unknown> => tokens.clear()],
  ])(
    'rejects %s waiting on a hung storage with DisposedError at dispose(), and leaves no timer',
    async (_, call) => {
      const storage = hungStorage({ set: true, remove: true });
      const { tokens } = manager(
        storage,
        vi.fn(async () => ({ access_token: 'unused' })),
      );
      const waiting = outcome(call(tokens));
      await vi.advanceTimersByTimeAsync(1_000);
      expect(waiting.settled).toBe(false);
      expect(vi.getTimerCount()).toBe(1);

      tokens.dispose();
      await vi.advanceTimersByTimeAsync(0);

      expect(waiting.error).toBeInstanceOf(DisposedError);
      expect(vi.getTimerCount()).toBe(0);
    },
  );

  it('still runs a clear() called after dispose(), bounded by `timeout`', async () => {
    const storage = hungStorage({ remove: true });
    const { tokens } = manager(
      storage,
      vi.fn(async () => ({ access_token: 'unused' })),
    );
    tokens.dispose();
    const clearing = outcome(tokens.clear());
    await vi.advanceTimersByTimeAsync(0);
    expect(storage.remove).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(clearing).toEqual({ value: undefined, settled: true });
    expect(vi.getTimerCount()).toBe(0);
  });
});
