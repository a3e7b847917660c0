import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DisposedError } from './errors/disposed-error.js';
import type { TokenStorage } from './storage/token-storage.js';
import { TokenManager } from './token-manager.js';
import type { TokenSet } from './token-set.js';

/**
 * An async storage whose `set` calls wait until the test lets them finish: a slow IndexedDB or a
 * remote store. `get`/`remove` answer at once. `setStarted` resolves when a `set` is pending.
 */
function slowStorage() {
  let value: TokenSet | undefined;
  const pending: Array<() => void> = [];
  let started: () => void = () => {};
  const storage: TokenStorage = {
    get: async () => value,
    set: (tokens) =>
      new Promise<void>((resolve) => {
        pending.push(() => {
          value = tokens;
          resolve();
        });
        started();
      }),
    remove: async () => {
      value = undefined;
    },
  };
  return {
    storage,
    value: () => value,
    setStarted: () =>
      new Promise<void>((resolve) => {
        if (pending.length > 0) resolve();
        else started = resolve;
      }),
    finishSets: () => {
      // Newest first: a later write may well finish before an earlier one.
      for (const finish of pending.splice(0).reverse()) finish();
    },
  };
}

/** Lets every queued promise callback run (one macrotask turn). */
function settleMicrotasks(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

const managers: TokenManager[] = [];
afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
});
function manager(
  storage: TokenStorage,
  fetchTokens = async () => ({ access_token: 'refreshed', expires_in: 600 }),
) {
  const created = new TokenManager({ fetchTokens, storage, retry: false });
  managers.push(created);
  return created;
}

describe('sign-out wins over a pending storage write', () => {
  it('leaves storage empty after clear() even when the refresh result was still being written', async () => {
    const slow = slowStorage();
    const tokens = manager(slow.storage);
    const refresh = tokens.getAccessToken();
    await slow.setStarted(); // the refresh finished; its storage.set is pending
    const cleared = tokens.clear();
    await settleMicrotasks(); // an unserialised remove() would run now, before the pending set
    slow.finishSets();
    await cleared;
    await refresh.catch(() => {});
    expect(slow.value()).toBeUndefined();
    // A new manager on that storage (a reload) loads nothing.
    const next = manager(slow.storage);
    expect(await next.ready()).toBeUndefined();
  });

  it('leaves storage holding what setTokens stored, never the older refresh result', async () => {
    const slow = slowStorage();
    const tokens = manager(slow.storage);
    const refresh = tokens.getAccessToken();
    await slow.setStarted();
    const set = tokens.setTokens({ access_token: 'signed-in', expires_in: 600 });
    await settleMicrotasks();
    const drain = setInterval(slow.finishSets, 0); // lets every write finish, in whatever order they run
    await set;
    await refresh;
    clearInterval(drain);
    expect(slow.value()?.accessToken).toBe('signed-in');
    expect(tokens.peekTokens()?.accessToken).toBe('signed-in');
  });

  it('keeps the last of 100 interleaved setTokens and clear calls', async () => {
    const slow = slowStorage();
    const tokens = manager(slow.storage);
    const calls: Promise<unknown>[] = [];
    for (let n = 0; n < 100; n++) {
      calls.push(n % 3 === 2 ? tokens.clear() : tokens.setTokens({ access_token: `at-${n}` }));
    }
    calls.push(tokens.setTokens({ access_token: 'last' }));
    const drain = setInterval(slow.finishSets, 0);
    await Promise.all(calls);
    clearInterval(drain);
    expect(slow.value()?.accessToken).toBe('last');
  });
});

describe('dispose() during a pending storage write', () => {
  it('rejects the waiting callers with DisposedError at once and adopts nothing, though the write still lands', async () => {
    const slow = slowStorage();
    const tokens = manager(slow.storage);
    const waiting = Array.from({ length: 100 }, () => tokens.getAccessToken().catch((e: unknown) => e));
    await slow.setStarted(); // the token request finished; its storage.set is pending
    tokens.dispose();
    const outcomes = await Promise.all(waiting);
    expect(outcomes.every((outcome) => outcome instanceof DisposedError)).toBe(true);
    slow.finishSets();
    await settleMicrotasks();
    expect(tokens.peekTokens()).toBeUndefined();
    expect(tokens.freshTokens()).toBeUndefined();
    // The server may have rotated the refresh token: the new set is kept for the next manager.
    expect(slow.value()?.accessToken).toBe('refreshed');
  });
});

describe('dispose() during a first storage read that never settles', () => {
  it('rejects the callers waiting on the read with DisposedError at once, and leaves no abort listener behind', async () => {
    const signals = new Set<AbortSignal>();
    const add = AbortSignal.prototype.addEventListener;
    const spy = vi.spyOn(AbortSignal.prototype, 'addEventListener').mockImplementation(function (
      this: AbortSignal,
      ...args: Parameters<AbortSignal['addEventListener']>
    ) {
      signals.add(this);
      add.apply(this, args);
    });
    const read = vi.fn(() => new Promise<never>(() => {})); // a storage that hangs (a locked IndexedDB)
    const tokens = manager({ get: read, set: async () => {}, remove: async () => {} });
    const controller = new AbortController();
    const waiting = [
      ...Array.from({ length: 100 }, () => tokens.getAccessToken()),
      ...Array.from({ length: 100 }, () => tokens.getAccessToken({ signal: controller.signal })),
      tokens.ready(),
    ].map((pending) => pending.catch((error: unknown) => error));
    await settleMicrotasks();
    tokens.dispose();
    const outcomes = await Promise.all(waiting);
    spy.mockRestore();

    expect(outcomes.filter((outcome) => outcome instanceof DisposedError)).toHaveLength(201);
    expect(read).toHaveBeenCalledTimes(1);
    await expect(tokens.getAccessToken()).rejects.toBeInstanceOf(DisposedError);
    expect(signals.size).toBeGreaterThan(1); // the manager's disposal signal and the caller's
    for (const signal of signals) expect(getEventListeners(signal, 'abort')).toEqual([]);
  });
});
