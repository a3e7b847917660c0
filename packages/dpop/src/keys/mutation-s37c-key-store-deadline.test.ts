import { IDBDatabase, IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDPoP } from '../create-dpop.js';
import { indexedDbKeyStore } from './indexed-db-key-store.js';

/** IndexedDB that opens but whose key transactions never settle (as in `s37-key-store-hang.test.ts`). */
let transactions = 0;
const hang = () => {
  const { transaction } = IDBDatabase.prototype;
  vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (
    this: IDBDatabase,
    names,
    mode,
  ) {
    if (mode === 'versionchange') return transaction.call(this, names, mode);
    transactions++;
    const pending = () => ({}) as IDBRequest;
    return { objectStore: () => ({ get: pending, put: pending, delete: pending }) } as never;
  });
};
const untilTransactions = async (count: number) => {
  while (transactions < count) await new Promise((resolve) => setImmediate(resolve));
};

afterEach(() => {
  transactions = 0;
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('indexedDbKeyStore whose transaction never settles (decision 1202, stop 37)', () => {
  it('rejects get(), getOrAdd() and remove() with "IndexedDB timed out" after 5 s: no "no key stored" answer', async () => {
    hang();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const store = indexedDbKeyStore({ id: 'spa', indexedDB: new IDBFactory() });
    const candidate = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'sign',
    ]);
    const results = [store.get(), store.getOrAdd(candidate), store.remove()].map((call) =>
      call.then(
        (value) => ({ value }),
        (error: Error) => ({ error: error.message }),
      ),
    );
    await untilTransactions(3);
    await vi.advanceTimersByTimeAsync(5000);
    expect(await Promise.all(results)).toEqual([
      { error: 'IndexedDB timed out' },
      { error: 'IndexedDB timed out' },
      { error: 'IndexedDB timed out' },
    ]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('clears its timer when db.transaction() throws at once (InvalidStateError: a closed database)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { transaction } = IDBDatabase.prototype;
    vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (
      this: IDBDatabase,
      names,
      mode,
    ) {
      if (mode === 'versionchange') return transaction.call(this, names, mode);
      throw new DOMException('The database connection is closing.', 'InvalidStateError');
    });
    const store = indexedDbKeyStore({ id: 'spa', indexedDB: new IDBFactory() });
    await expect(store.get()).rejects.toMatchObject({ name: 'InvalidStateError' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never keeps a Node process alive for a stuck transaction: its 5 s timer is unref’d', async () => {
    hang();
    const timers: ReturnType<typeof setTimeout>[] = [];
    const realSetTimeout = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: () => void, ms?: number) => {
      const timer = realSetTimeout(callback, ms);
      if (ms === 5000) timers.push(timer);
      return timer;
    }) as typeof setTimeout);
    const store = indexedDbKeyStore({ id: 'spa', indexedDB: new IDBFactory() });
    void store.get().catch(() => {});
    await untilTransactions(1);
    // The open's timer (cleared once it opened) and the transaction's.
    expect(timers).toHaveLength(2);
    const pending = timers[1] as NodeJS.Timeout;
    expect(pending.hasRef()).toBe(false);
    clearTimeout(pending);
  });

  it('signs with the very key a late commit stored: after the 5 s fallback and a reload, one key, no sign-out', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const indexedDB = new IDBFactory();
    // The key transaction commits, but its `complete` reaches the store only when the test says.
    const late: (() => void)[] = [];
    const { transaction } = IDBDatabase.prototype;
    const spy = vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (
      this: IDBDatabase,
      names,
      mode,
    ) {
      const real = transaction.call(this, names, mode);
      if (mode === 'versionchange') return real;
      transactions++;
      return new Proxy(real, {
        get: (target, name) => {
          const value = Reflect.get(target, name);
          return typeof value === 'function' ? value.bind(target) : value;
        },
        set: (target, name, value) => {
          if (name === 'oncomplete') late.push(() => value.call(target));
          else Reflect.set(target, name, value);
          return true;
        },
      });
    });
    const first = await (async () => {
      const dpop = createDPoP({ keyStore: indexedDbKeyStore({ id: 'spa', indexedDB }) });
      const ready = dpop.ready();
      await untilTransactions(1);
      await vi.advanceTimersByTimeAsync(5000);
      return ready;
    })();
    expect(first).toMatchObject({ persistent: false, fallback: true });
    for (const complete of late) complete();
    spy.mockRestore();
    // The next page load reads the pair the fallback signed with: tokens bound to it stay usable.
    const reloaded = await createDPoP({ keyStore: indexedDbKeyStore({ id: 'spa', indexedDB }) }).ready();
    expect(reloaded).toEqual({ thumbprint: first.thumbprint, persistent: true, fallback: false });
  });

  it('fails at once only while the timed-out transaction is pending: once it settles, the store answers again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const late: (() => void)[] = [];
    const { transaction } = IDBDatabase.prototype;
    vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (
      this: IDBDatabase,
      names,
      mode,
    ) {
      const real = transaction.call(this, names, mode);
      if (mode === 'versionchange' || transactions++ > 0) return real;
      // The first one's `complete` reaches the store only when the test says.
      return new Proxy(real, {
        get: (target, name) => {
          const value = Reflect.get(target, name);
          return typeof value === 'function' ? value.bind(target) : value;
        },
        set: (target, name, value) => {
          if (name === 'oncomplete') late.push(() => value.call(target));
          else Reflect.set(target, name, value);
          return true;
        },
      });
    });
    const store = indexedDbKeyStore({ id: 'spa', indexedDB: new IDBFactory() });
    const first = store.get().catch((error: Error) => error.message);
    await untilTransactions(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(await first).toBe('IndexedDB timed out');

    await expect(store.get()).rejects.toThrow('IndexedDB timed out'); // no timer advanced
    for (const complete of late) complete();
    expect(await store.get()).toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
  });
});
