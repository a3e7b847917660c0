import { canSignES256 } from './key-material.js';
import type { DPoPKeyPair, DPoPKeyStore } from './key-store.js';

/** Options of {@link indexedDbKeyStore}. */
export interface IndexedDbKeyStoreOptions {
  /**
   * Record name: tabs of one origin share the key of one `id`. Use the OAuth client id, and one `id`
   * per `TokenManager`: two managers on one `id` (two APIs or issuers with one client id) share one key,
   * and one's `removeKey()` followed by a sign-in with a new key signs the other out (decision 1202).
   * A client of a page that finds its key replaced by another client of that page logs one warning.
   */
  id: string;
  /**
   * IndexedDB database name.
   * @default 'tessera-dpop'
   */
  databaseName?: string;
  /**
   * The IndexedDB factory.
   * @default globalThis.indexedDB
   */
  indexedDB?: IndexedDbFactoryLike;
}

/** `globalThis.indexedDB` or a stand-in (fake-indexeddb), typed structurally so the published types need no DOM lib. */
export interface IndexedDbFactoryLike {
  open(name: string, version?: number): unknown;
}

const STORE = 'keys';

/**
 * To notice two clients of one page on one `id` (decision 1202): per record, how many keys this page's
 * stores wrote; per pair they handed out, how many had been written then.
 */
const writes = /* @__PURE__ */ new Map<string, number>();
const handed = /* @__PURE__ */ new WeakMap<object, number>();

/**
 * Keeps the key pair in IndexedDB, where a non-extractable `CryptoKey` is stored as it is (structured
 * clone), never as bytes. It survives reloads and is shared by every tab of the origin.
 *
 * Every method rejects when IndexedDB cannot be opened (private windows, Lockdown Mode, blocked
 * storage, an open still pending after 5 s) and when a transaction fails or is still pending after 5 s
 * (at once while one that did is still pending: later ones queue behind it);
 * `createDPoP` then falls back to a key in memory and reports it; a failed re-read keeps the loaded
 * key, a failed delete never holds up sign-out.
 */
export function indexedDbKeyStore(options: IndexedDbKeyStoreOptions): DPoPKeyStore {
  const { id, databaseName = 'tessera-dpop' } = options;
  let opening: Promise<IDBDatabase> | undefined;
  let warned = false;
  /** Transactions still pending after their 5 s: the ones sent meanwhile queue behind them. */
  let stuck = 0;
  const open = (): Promise<IDBDatabase> => {
    opening ??= openDatabase(
      (options.indexedDB as IDBFactory | undefined) ?? globalThis.indexedDB,
      databaseName,
      // Closed for another tab's deleteDatabase (its versionchange) or by the browser (its `close`:
      // site data cleared, storage evicted): the next call opens again.
      () => (opening = undefined),
    ).catch((error: unknown) => {
      opening = undefined;
      throw error;
    });
    return opening;
  };
  const run = async <T>(
    mode: IDBTransactionMode,
    work: (store: IDBObjectStore) => IDBRequest<T> | undefined,
  ) => {
    const db = await open();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let late = 0;
    return new Promise<T | undefined>((resolve, reject) => {
      // A transaction that never settles (a stuck IndexedDB) would hang `ready()`, every token
      // request and sign-out: it fails after 5 s as a hanging open does (decision 1202).
      timer = deadline((error) => {
        stuck += late = 1;
        reject(error);
      });
      const transaction = db.transaction(STORE, mode);
      let result: T | undefined;
      const request = work(transaction.objectStore(STORE));
      if (request) request.onsuccess = () => (result = request.result);
      const settled = (settle: () => void) => () => {
        stuck -= late;
        late = 0;
        settle();
      };
      transaction.oncomplete = settled(() => resolve(result));
      transaction.onerror = settled(() => reject(transaction.error));
      transaction.onabort = settled(() =>
        reject(transaction.error ?? new Error('IndexedDB transaction aborted')),
      );
      // Queued behind one that timed out and is still pending: sent (it runs if IndexedDB recovers,
      // a delete too), but failed at once rather than after 5 s more at each token request.
      if (stuck) reject(new Error('IndexedDB timed out'));
    }).finally(() => clearTimeout(timer));
  };
  return {
    persistent: true,
    get: async () => asKeyPair(await run<unknown>('readonly', (store) => store.get(id))),
    getOrAdd: async (candidate) => {
      let kept: DPoPKeyPair | undefined;
      // One readwrite transaction: IndexedDB serialises them, so two tabs racing here agree on one key.
      await run<unknown>('readwrite', (store) => {
        const read = store.get(id);
        read.onsuccess = () => {
          kept = asKeyPair(read.result);
          if (!kept) {
            store.put(candidate, id);
            kept = candidate;
          }
        };
        return undefined;
      });
      if (!kept) throw new Error('IndexedDB returned no DPoP key');
      const slot = `${databaseName}/${id}`;
      const written = (writes.get(slot) ?? 0) + +(kept === candidate);
      writes.set(slot, written);
      // A client re-checking the key it signs with finds that this page stored another since: two
      // clients of the page use this `id`, and the one whose key was replaced loses its session.
      if (kept !== candidate && !warned && (handed.get(candidate) ?? written) < written) {
        warned = true;
        console.warn(
          `[tessera] Two DPoP clients on this page share indexedDbKeyStore id "${id}": one's new key signed the other out. Give each its own id.`,
        );
      }
      handed.set(kept, written);
      return kept;
    },
    remove: async () => {
      await run('readwrite', (store) => store.delete(id));
    },
  };
}

function openDatabase(
  factory: IDBFactory | undefined,
  name: string,
  closed: () => void,
): Promise<IDBDatabase> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new Promise<IDBDatabase>((resolve, reject) => {
    if (!factory) throw new Error('IndexedDB is not available');
    const request = factory.open(name, 1);
    const fail = (error: unknown) => {
      // An open that lands after failing (timed out, or blocked and then let through) is closed: the
      // key is already in memory for this page load, so the connection would only stay idle.
      request.onsuccess = () => request.result.close();
      reject(error);
    };
    // Some Safari versions never settle an open, which would hang `ready()` and every proof: after
    // 5 s it fails as a blocked one does (the key falls back to memory, decision 1202).
    timer = deadline(fail);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => {
      const db = request.result;
      // `close` fires only when the browser closes it (never for `db.close()`, a no-op when closed).
      db.onclose = db.onversionchange = () => {
        db.close();
        closed();
      };
      resolve(db);
    };
    request.onerror = () => fail(request.error ?? new Error('IndexedDB could not be opened'));
    request.onblocked = () => fail(new Error('IndexedDB open is blocked'));
  }).finally(() => clearTimeout(timer));
}

/** Calls `fail` after 5 s (unref'd in Node): some Safari versions never settle an IndexedDB request. */
function deadline(fail: (error: Error) => void): ReturnType<typeof setTimeout> {
  const timer = setTimeout(() => fail(new Error('IndexedDB timed out')), 5000);
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

/**
 * The stored entry if it is a usable ES256 pair. Anything else (unreadable, a key of another
 * algorithm or curve, a public key that is no P-256 public `CryptoKey`) counts as no key, so
 * `getOrAdd` replaces it in its one transaction instead of every page load falling back to memory.
 */
function asKeyPair(value: unknown): DPoPKeyPair | undefined {
  const pair = value as Partial<DPoPKeyPair> | undefined;
  const publicKey = pair?.publicKey as CryptoKey | undefined;
  return canSignES256(pair?.privateKey) &&
    publicKey?.type === 'public' &&
    (publicKey.algorithm as EcKeyAlgorithm).namedCurve === 'P-256'
    ? (pair as DPoPKeyPair)
    : undefined;
}
