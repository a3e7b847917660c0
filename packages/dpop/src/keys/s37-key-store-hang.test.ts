import { IDBDatabase, IDBFactory, IDBObjectStore } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readProof } from '../../test/read-proof.js';
import { createDPoP } from '../create-dpop.js';
import type { DPoPEvent } from '../dpop-event.js';
import { indexedDbKeyStore } from './indexed-db-key-store.js';

/**
 * IndexedDB that opens but whose transactions never settle (no `complete`, `error` or `abort`: a stuck
 * browser profile, a Safari whose IndexedDB process hangs). Nothing may wait for it forever: `ready()`,
 * every token request through `dpop.fetch` and sign-out's `removeKey()` go on after 5 s (decision 1202).
 */
let transactions = 0;
const hang = () => {
  const { transaction } = IDBDatabase.prototype;
  vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (
    this: IDBDatabase,
    names,
    mode,
  ) {
    // The open's own upgrade still runs: the database opens.
    if (mode === 'versionchange') return transaction.call(this, names, mode);
    transactions++;
    const pending = () => ({}) as IDBRequest;
    return { objectStore: () => ({ get: pending, put: pending, delete: pending }) } as never;
  });
};

/** Lets the key generation and the open run (real work) until a transaction was asked for `count` times. */
const untilTransactions = async (count: number) => {
  while (transactions < count) await new Promise((resolve) => setImmediate(resolve));
};

describe('DPoP key store whose IndexedDB transactions never settle', () => {
  beforeEach(() => {
    transactions = 0;
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('falls back to a key in memory after 5 s when the key transaction never completes, and says so', async () => {
    hang();
    const events: DPoPEvent[] = [];
    const dpop = createDPoP({
      keyStore: indexedDbKeyStore({ id: 'spa', indexedDB: new IDBFactory() }),
      onEvent: (event) => events.push(event),
    });
    let info: unknown;
    void dpop.ready().then((value) => (info = value));
    await untilTransactions(1);

    await vi.advanceTimersByTimeAsync(4999);
    expect(info).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);

    await vi.waitFor(() => expect(info).toMatchObject({ persistent: false, fallback: true }), {
      timeout: 3000,
    });
    expect(events.map((event) => event.type)).toEqual(['key_not_persistent']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sends a token request signed with the loaded key when the key re-read never completes: one request, after 5 s', async () => {
    const sent: string[] = [];
    const dpop = createDPoP({
      keyStore: indexedDbKeyStore({ id: 'spa', indexedDB: new IDBFactory() }),
      fetch: async (_input, init) => {
        sent.push(new Headers(init?.headers).get('dpop') ?? '');
        return Response.json({ access_token: 'at', token_type: 'DPoP', expires_in: 60 });
      },
    });
    const { thumbprint } = await dpop.ready();
    hang();
    let status: number | undefined;
    void dpop
      .fetch('https://as.example/token', { method: 'POST', body: 'grant_type=refresh_token' })
      .then((response) => (status = response.status));
    await untilTransactions(1);

    await vi.advanceTimersByTimeAsync(5000);

    await vi.waitFor(() => expect(status).toBe(200), { timeout: 3000 });
    expect(sent).toHaveLength(1);
    expect((await readProof(sent[0])).jkt).toBe(thumbprint);
    expect(await dpop.ready()).toEqual({ thumbprint, persistent: true, fallback: false });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('waits 5 s once, not at every token request, while a timed-out key transaction is still pending', async () => {
    const sent: string[] = [];
    const dpop = createDPoP({
      keyStore: indexedDbKeyStore({ id: 'spa', indexedDB: new IDBFactory() }),
      fetch: async (_input, init) => {
        sent.push(new Headers(init?.headers).get('dpop') ?? '');
        return Response.json({ access_token: 'at', token_type: 'DPoP', expires_in: 60 });
      },
    });
    const { thumbprint } = await dpop.ready();
    hang();
    const request = () => {
      const done = { status: 0 };
      void dpop
        .fetch('https://as.example/token', { method: 'POST', body: 'grant_type=refresh_token' })
        .then((response) => (done.status = response.status));
      return done;
    };
    const first = request();
    await untilTransactions(1);
    await vi.advanceTimersByTimeAsync(4999);
    expect(first.status).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    await vi.waitFor(() => expect(first.status).toBe(200), { timeout: 3000 });

    // The next requests are sent at once: no timer runs, none is waited for.
    for (const count of [2, 3]) {
      const next = request();
      await untilTransactions(count);
      await vi.waitFor(() => expect(next.status).toBe(200), { timeout: 3000 });
    }
    expect(sent).toHaveLength(3);
    for (const proof of sent) expect((await readProof(proof)).jkt).toBe(thumbprint);
    expect(await dpop.ready()).toEqual({ thumbprint, persistent: true, fallback: false });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps the loaded key when reloadKey() cannot read the store, after 5 s', async () => {
    const dpop = createDPoP({ keyStore: indexedDbKeyStore({ id: 'spa', indexedDB: new IDBFactory() }) });
    const { thumbprint } = await dpop.ready();
    hang();
    let info: unknown;
    void dpop.reloadKey().then((value) => (info = value));
    await untilTransactions(1);

    await vi.advanceTimersByTimeAsync(5000);

    await vi.waitFor(() => expect(info).toEqual({ thumbprint, persistent: true, fallback: false }), {
      timeout: 3000,
    });
  });

  it('lets sign-out go on after 5 s when the key delete never completes: removeKey() resolves', async () => {
    const dpop = createDPoP({ keyStore: indexedDbKeyStore({ id: 'spa', indexedDB: new IDBFactory() }) });
    await dpop.ready();
    hang();
    let removed = false;
    void dpop.removeKey().then(() => (removed = true));
    await untilTransactions(1);

    await vi.advanceTimersByTimeAsync(5000);

    await vi.waitFor(() => expect(removed).toBe(true), { timeout: 3000 });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('DPoP key store whose IndexedDB refuses the key after accepting the put', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('falls back to a key in memory when a quota error aborts the key transaction, and leaves nothing stored', async () => {
    const profile = new IDBFactory();
    const { put } = IDBObjectStore.prototype;
    // What a full disk does: the put is accepted, then the transaction aborts (QuotaExceededError).
    const spy = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
      this: IDBObjectStore,
      ...args
    ) {
      const request = put.apply(this, args);
      this.transaction.abort();
      return request;
    });
    const events: DPoPEvent[] = [];
    const dpop = createDPoP({
      keyStore: indexedDbKeyStore({ id: 'spa', indexedDB: profile }),
      onEvent: (event) => events.push(event),
    });

    const info = await dpop.ready();

    expect(info).toMatchObject({ persistent: false, fallback: true });
    expect(events.map((event) => event.type)).toEqual(['key_not_persistent']);
    spy.mockRestore();
    expect(await indexedDbKeyStore({ id: 'spa', indexedDB: profile }).get()).toBeUndefined();
  });
});
