import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OAuthError } from './errors/oauth-error.js';
import type { TokenEvent } from './events.js';
import type { TokenStorage } from './storage/token-storage.js';
import { TokenManager } from './token-manager.js';
import type { TokenSet } from './token-set.js';

/**
 * A storage whose next `set` or `remove` the test can hold (`holdNext()`) until `releaseHeld()`: a
 * stalled IndexedDB transaction, a Redis reply after a network blip. A held call applies its change
 * when it is released, as a late write to a real store lands; every other call applies at once.
 */
function stallingStorage() {
  let value: TokenSet | undefined;
  let holds = 0;
  const held: Array<() => void> = [];
  const apply = (change: () => void): void | Promise<void> => {
    if (holds === 0) return change();
    holds -= 1;
    return new Promise<void>((resolve) => {
      held.push(() => {
        change();
        resolve();
      });
    });
  };
  const storage = {
    get: vi.fn(() => value),
    set: vi.fn((tokens: TokenSet) =>
      apply(() => {
        value = tokens;
      }),
    ),
    remove: vi.fn(() =>
      apply(() => {
        value = undefined;
      }),
    ),
  } satisfies TokenStorage;
  return {
    storage,
    value: () => value?.accessToken,
    holdNext: (count = 1) => {
      holds += count;
    },
    /** Lets the held calls land, newest first (a later write may well finish before an earlier one). */
    releaseHeld: () => {
      for (const finish of held.splice(0).reverse()) finish();
    },
  };
}

const managers: TokenManager[] = [];
beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
  vi.useRealTimers();
});

function manager(storage: TokenStorage) {
  const fetchTokens = vi.fn(async () => ({ access_token: 'refreshed', expires_in: 600 }));
  const created = new TokenManager({ fetchTokens, storage, retry: false, timeout: 5_000 });
  managers.push(created);
  const events: TokenEvent[] = [];
  created.subscribe((event) => events.push(event));
  return { tokens: created, events, fetchTokens };
}

/** What a new manager on `storage` (a reload) loads. */
async function reload(storage: TokenStorage): Promise<string | undefined> {
  const next = new TokenManager({ fetchTokens: async () => ({ access_token: 'unused' }), storage });
  managers.push(next);
  return (await next.ready())?.accessToken;
}

describe('a storage write that timed out and lands late', () => {
  it('never outlives a newer setTokens(): that set is written again after it', async () => {
    const stalling = stallingStorage();
    const { tokens, events, fetchTokens } = manager(stalling.storage);
    stalling.holdNext();
    const first = tokens.setTokens({ access_token: 'old', refresh_token: 'rt-old', expires_in: 600 });
    await vi.advanceTimersByTimeAsync(5_000); // the write of `old` times out; it goes on underneath
    await first;
    await tokens.setTokens({ access_token: 'new', refresh_token: 'rt-new', expires_in: 600 });
    expect(stalling.value()).toBe('new');
    expect(stalling.storage.set).toHaveBeenCalledTimes(2);

    stalling.releaseHeld(); // `old` lands now, after `new`
    await vi.advanceTimersByTimeAsync(0);

    expect(stalling.value()).toBe('new');
    expect(stalling.storage.set).toHaveBeenCalledTimes(3);
    expect(await reload(stalling.storage)).toBe('new');
    expect(events.filter((event) => event.type === 'storage_error')).toHaveLength(1);
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never outlives clear(): storage is emptied again, and a reload is signed out', async () => {
    const stalling = stallingStorage();
    const { tokens, events } = manager(stalling.storage);
    stalling.holdNext();
    const setting = tokens.setTokens({ access_token: 'signed-in', refresh_token: 'rt-1' });
    await vi.advanceTimersByTimeAsync(5_000);
    await setting;
    await tokens.clear();
    expect(stalling.value()).toBeUndefined();

    stalling.releaseHeld();
    await vi.advanceTimersByTimeAsync(0);

    expect(stalling.value()).toBeUndefined();
    expect(stalling.storage.remove).toHaveBeenCalledTimes(2);
    expect(stalling.storage.set).toHaveBeenCalledTimes(1);
    expect(await reload(stalling.storage)).toBeUndefined();
    expect(events.filter((event) => event.type === 'cleared')).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never outlives a clear() after dispose(): a refresh result written during teardown stays removed', async () => {
    const stalling = stallingStorage();
    const { tokens, fetchTokens } = manager(stalling.storage);
    stalling.holdNext();
    const callers = Array.from({ length: 200 }, () =>
      tokens.getAccessToken().catch((error: unknown) => error),
    );
    await vi.advanceTimersByTimeAsync(0); // the token request answered; its write is held
    expect(stalling.storage.set).toHaveBeenCalledTimes(1);
    tokens.dispose();
    const outcomes = await Promise.all(callers);
    expect(outcomes.every((outcome) => (outcome as Error).name === 'DisposedError')).toBe(true);
    await tokens.clear(); // sign-out while tearing down

    stalling.releaseHeld();
    await vi.advanceTimersByTimeAsync(0);

    expect(stalling.value()).toBeUndefined();
    expect(stalling.storage.remove).toHaveBeenCalledTimes(2);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(await reload(stalling.storage)).toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps the last of 30 setTokens() and clear() calls whose writes all timed out and land newest first', async () => {
    const stalling = stallingStorage();
    const { tokens } = manager(stalling.storage);
    stalling.holdNext(30);
    for (let n = 0; n < 30; n++) {
      const call = n % 3 === 2 ? tokens.clear() : tokens.setTokens({ access_token: `at-${n}` });
      await vi.advanceTimersByTimeAsync(5_000);
      await call;
    }
    await tokens.setTokens({ access_token: 'last' });

    stalling.releaseHeld();
    await vi.advanceTimersByTimeAsync(0);

    expect(stalling.value()).toBe('last');
    expect(tokens.peekTokens()?.accessToken).toBe('last');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never starts after clear(): with crossTab, a refresh whose check of storage outlasted `timeout` writes nothing', async () => {
    let value: unknown;
    let reads = 0;
    let answerRead: (stored: unknown) => void = () => {};
    const storage = {
      // The refresh's own read answers; the check before its write (decision 0606) hangs until answered.
      get: vi.fn(() => (reads++ === 1 ? new Promise((resolve) => (answerRead = resolve)) : value)),
      set: vi.fn((tokens: unknown) => {
        value = tokens;
      }),
      remove: vi.fn(() => {
        value = undefined;
      }),
    } satisfies TokenStorage;
    const fetchTokens = vi.fn(async () => ({ access_token: 'refreshed', expires_in: 600 }));
    const tokens = new TokenManager({
      fetchTokens,
      storage,
      retry: false,
      timeout: 5_000,
      crossTab: { wrapStorage: (wrapped: TokenStorage) => wrapped, lock: undefined } as never,
    });
    managers.push(tokens);
    await tokens.setTokens({ access_token: 'old', refresh_token: 'rt-1', expires_in: 0 });
    const callers = Array.from({ length: 200 }, () => tokens.getAccessToken());
    await vi.advanceTimersByTimeAsync(5_000); // the check timed out: the callers get the new set
    expect(await Promise.all(callers)).toEqual(Array(200).fill('refreshed'));
    await tokens.clear();

    // The check answers at last, with what storage held when it started (the set the refresh replaces).
    answerRead(storage.set.mock.calls[0]?.[0]);
    await vi.advanceTimersByTimeAsync(0);

    expect(value).toBeUndefined();
    expect(storage.set).toHaveBeenCalledTimes(1); // `old`, by setTokens()
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('with crossTab, a check before the write that throws is a storage_error, not a sign-out: the new set is kept and stored', async () => {
    let value: unknown;
    let reads = 0;
    const storage = {
      // The refresh's own read answers; the check before its write (decision 0606) throws.
      get: vi.fn(() => {
        if (reads++ === 1) throw new Error('storage unreadable');
        return value;
      }),
      set: vi.fn((tokens: unknown) => {
        value = tokens;
      }),
      remove: vi.fn(() => {
        value = undefined;
      }),
    } satisfies TokenStorage;
    const fetchTokens = vi.fn(async () => ({ access_token: 'refreshed', expires_in: 600 }));
    const tokens = new TokenManager({
      fetchTokens,
      storage,
      retry: false,
      crossTab: { wrapStorage: (wrapped: TokenStorage) => wrapped, lock: undefined } as never,
    });
    managers.push(tokens);
    const events: TokenEvent[] = [];
    tokens.subscribe((event) => events.push(event));
    await tokens.setTokens({ access_token: 'old', refresh_token: 'rt-1', expires_in: 0 });

    expect(await tokens.getAccessToken()).toBe('refreshed');
    expect(events.map((event) => event.type)).toEqual(['tokens_set', 'storage_error', 'refreshed']);
    expect(tokens.peekTokens()?.accessToken).toBe('refreshed');
    expect((value as TokenSet).accessToken).toBe('refreshed');
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('never outlives the next refresh: a rotated refresh token is not put back under a newer one', async () => {
    const stalling = stallingStorage();
    const server = rotatingServer();
    const tokens = new TokenManager({
      fetchTokens: server.fetchTokens,
      storage: stalling.storage,
      retry: false,
      timeout: 5_000,
    });
    managers.push(tokens);
    await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt-0', expires_in: 600 });
    stalling.holdNext();
    const first = Array.from({ length: 200 }, () => tokens.getAccessToken({ forceRefresh: true }));
    await vi.advanceTimersByTimeAsync(5_000); // the write of at-1 times out; the callers get it anyway
    expect(new Set(await Promise.all(first))).toEqual(new Set(['at-1']));
    // Storage still holds at-0 with the spent rt-0: it is older than ours, not another manager's set.
    expect(await tokens.getAccessToken({ forceRefresh: true })).toBe('at-2');
    expect(stalling.value()).toBe('at-2');

    stalling.releaseHeld(); // at-1 (with the spent rt-1) lands now
    await vi.advanceTimersByTimeAsync(0);

    expect(stalling.value()).toBe('at-2');
    expect(stalling.storage.set).toHaveBeenCalledTimes(4); // at-0, at-1 (late), at-2, at-2 again
    expect(server.sent).toEqual(['rt-0', 'rt-1']);
    expect(await reload(stalling.storage)).toBe('at-2');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('writes a set once when nothing timed out', async () => {
    const stalling = stallingStorage();
    const { tokens } = manager(stalling.storage);
    await tokens.setTokens({ access_token: 'a' });
    await tokens.clear();
    await tokens.setTokens({ access_token: 'b' });
    await vi.advanceTimersByTimeAsync(0);
    expect(stalling.storage.set).toHaveBeenCalledTimes(2);
    expect(stalling.storage.remove).toHaveBeenCalledTimes(1);
    expect(stalling.value()).toBe('b');
  });
});

/** A token endpoint that rotates refresh tokens and refuses a spent one with invalid_grant, as real servers do. */
function rotatingServer() {
  let valid = 'rt-0';
  let issued = 0;
  const sent: Array<string | undefined> = [];
  const fetchTokens = vi.fn(async ({ refreshToken }: { refreshToken?: string | undefined }) => {
    sent.push(refreshToken);
    if (refreshToken !== valid) throw new OAuthError({ error: 'invalid_grant', status: 400 }, 'test');
    issued += 1;
    valid = `rt-${issued}`;
    return { access_token: `at-${issued}`, refresh_token: valid, expires_in: 60 };
  });
  return { fetchTokens, sent };
}

describe('a storage write that failed or timed out: the older stored set', () => {
  it.each([
    ['threw', () => Promise.reject(new Error('QuotaExceededError'))],
    ['timed out and never settles', () => new Promise<void>(() => {})],
  ])(
    'is neither adopted nor refreshed with its spent refresh token when the write %s',
    async (_, failing) => {
      let value: TokenSet | undefined;
      let failNext = false;
      const storage = {
        get: vi.fn(() => value),
        set: vi.fn((tokens: TokenSet) => {
          if (!failNext) {
            value = tokens;
            return;
          }
          failNext = false;
          return failing();
        }),
        remove: vi.fn(() => {
          value = undefined;
        }),
      } satisfies TokenStorage;
      const server = rotatingServer();
      const tokens = new TokenManager({
        fetchTokens: server.fetchTokens,
        storage,
        retry: false,
        timeout: 5_000,
      });
      managers.push(tokens);
      const events: TokenEvent[] = [];
      tokens.subscribe((event) => events.push(event));
      await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt-0', expires_in: 60 });
      failNext = true;
      const first = tokens.getAccessToken({ forceRefresh: true });
      await vi.advanceTimersByTimeAsync(5_000);
      expect(await first).toBe('at-1');
      expect(value?.accessToken).toBe('at-0'); // our write of at-1 did not land

      await vi.advanceTimersByTimeAsync(60_000); // at-1 (and the stored at-0) due
      const callers = await Promise.all(Array.from({ length: 200 }, () => tokens.getAccessToken()));

      expect(new Set(callers)).toEqual(new Set(['at-2']));
      expect(server.sent).toEqual(['rt-0', 'rt-1']); // never the spent rt-0 again
      expect(value?.accessToken).toBe('at-2');
      expect(events.map((event) => event.type)).toEqual([
        'tokens_set',
        'storage_error',
        'refreshed',
        'refreshed',
      ]);
      expect(vi.getTimerCount()).toBe(0);
    },
  );
});
