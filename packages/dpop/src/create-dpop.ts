import type { Clock, FetchLike as OAuthFetch, TokenStorage } from '@tessera/core';
import { bindStorageToKey } from './bind-storage.js';
import {
  assertKnownOptions,
  checkConstraintUse,
  decodeJwtClaims,
  isNonceReplay,
  proofPerHop,
  releaseBody,
  senderConstrainedHeaders,
  systemClock,
} from './core.js';
import type { DPoPEvent } from './dpop-event.js';
import { dpopFetch, type FetchLike } from './dpop-fetch.js';
import { DPoPKeyLostError } from './errors/dpop-key-lost-error.js';
import { DPoPNonceError, nonceFailure } from './errors/dpop-nonce-error.js';
import { resolveUrl, toHtm, toHtu } from './htu.js';
import { generateKeyPair, type KeyMaterial, type KeyObjectLike, toKeyMaterial } from './keys/key-material.js';
import { type DPoPKeyPair, type DPoPKeyStore, memoryKeyStore } from './keys/key-store.js';
import { ClockLesson, nonceBook } from './nonce-book.js';
import { readHeader } from './read-header.js';
import type { ProofRequest, ResponseLike, SenderConstraint } from './sender-constraint.js';
import { signProof } from './sign-proof.js';
import { isDPoPNonceChallenge } from './www-authenticate.js';

/** Options of {@link createDPoP}. */
export interface DPoPOptions {
  /**
   * The key pair to sign proofs with: a WebCrypto `CryptoKeyPair` or a Node.js private `KeyObject`,
   * ES256 (P-256). When set, `keyStore` is not used. Keep it stable: tokens are bound to it.
   * @default a non-extractable key pair generated once and kept in `keyStore`
   */
  key?: DPoPKeyPair | KeyObjectLike;
  /**
   * Where a generated key pair lives. In browsers pass `indexedDbKeyStore({ id: clientId })`: the
   * key survives reloads and is shared by the tabs of one origin and client. When the store fails
   * (IndexedDB unavailable), the key falls back to memory and a `key_not_persistent` event is
   * emitted; the store is tried once more at the next `dpop.fetch` or `reloadKey()` (a session read),
   * and when it answers it is used again. The key is never exported to other storage.
   * @default memoryKeyStore() — the key lives as long as this object (Node services)
   */
  keyStore?: DPoPKeyStore;
  /**
   * The `fetch` that `dpop.fetch` wraps. Read on each call, so a later `globalThis.fetch` patch counts.
   * @default globalThis.fetch
   */
  fetch?: FetchLike;
  /**
   * The client clock, epoch milliseconds. A proof's `iat` adds the offset learned from its origin's
   * `Date` (plus `Age`); an origin that never sent a readable `Date` gets the one the authorization
   * server (`dpop.fetch`, in an answer to a request other than `GET` or `HEAD`) taught last.
   * @default Date.now
   */
  clock?: Clock;
  /**
   * Receives DPoP events (key persistence, nonce retries, lost keys). Never a token, proof, nonce or key.
   * @default no listener
   */
  onEvent?: (event: DPoPEvent) => void;
}

/** What `await dpop.ready()` tells about the key. */
export interface DPoPKeyInfo {
  /** RFC 7638 thumbprint of the public key: the `cnf.jkt` of tokens bound to it, and the `dpop_jkt` parameter. */
  thumbprint: string;
  /** Whether the key survives a reload: `true` in IndexedDB and for a `key` you passed; `false` in memory and after an IndexedDB failure. */
  persistent: boolean;
  /**
   * Whether the key is a stand-in: the key store failed (IndexedDB could not be opened), and its one
   * retry (at the next `dpop.fetch` or `reloadKey()`) has not answered, so this instance signs with a
   * key in memory while the stored key may still be there for other tabs and the next page load.
   * `bindStorageToKey` then leaves a session bound to another key in storage.
   */
  fallback: boolean;
}

/** DPoP for one client: proofs for its token requests and its API calls, bound to one key. */
export interface DPoP extends SenderConstraint {
  /**
   * A `fetch` for authorization-server calls (token, revocation, PAR…): adds a fresh proof to every
   * request, keeps each origin's latest `DPoP-Nonce` and retries once on `400 use_dpop_nonce`.
   * Outside browsers it follows redirects itself, a fresh proof per hop, none to another origin. A
   * request that already carries a `DPoP` header (a transport's proof) is passed on untouched.
   * Pass it as the grants' `fetch` option. Its proofs are signed with the key the key store holds:
   * when another tab's `removeKey()` deleted this tab's key it is stored again, when another tab
   * stored a new one this tab signs with that one from then on (one key-store transaction per request).
   * @throws {DPoPNonceError} when a nonce challenge cannot be answered (never a third request).
   * @throws {DPoPKeyLostError} when this instance's key was removed or replaced while the request was
   *   in flight: the tokens of the answer would be bound to a key it no longer signs with.
   */
  readonly fetch: FetchLike;
  /**
   * `dpop.fetch` around another `fetch` (a proxy, mTLS): same key, same nonces. A `TokenManager`
   * with `senderConstraint: dpop` wraps its grants' `fetch` with it. `undefined` and `dpop.fetch`
   * give `dpop.fetch`; the same `fetch` always gives the same wrapper.
   */
  wrapFetch(fetch: OAuthFetch | undefined): OAuthFetch;
  /** `bindStorageToKey(storage, dpop)`: what a `TokenManager` with `senderConstraint: dpop` does to its storage. */
  bindStorage(storage: TokenStorage): TokenStorage;
  /** A fresh proof for one API request: `{ DPoP: proof }` (see {@link SenderConstraint.headersFor}). */
  headersFor(request: ProofRequest): Promise<{ DPoP: string }>;
  /**
   * Whether the key outlives this object, known before it is loaded: `true` for a `key` you passed
   * or a persistent `keyStore` (until it fails and memory stands in), `false` for a key generated in
   * memory, which no other process can sign with. `ready().persistent` once the key is loaded.
   */
  readonly persistent: boolean;
  /** Loads or creates the key. Every other method awaits it on its own; call it to learn the thumbprint early. */
  ready(): Promise<DPoPKeyInfo>;
  /**
   * Reads the key store again and, when another tab replaced the stored key (its sign-out removed the
   * key, its sign-in created a new one), signs with the stored key from then on. What
   * `bindStorageToKey` asks before it takes a session bound to another key for one whose key is lost.
   * A key you passed, a memory store and a fallback key are kept (the failed store is first tried once more).
   */
  reloadKey(): Promise<DPoPKeyInfo>;
  /** Whether `response` (from `dpop.fetch`) is an `invalid_grant` that came right after a nonce retry. */
  isAfterNonceRetry(response: Response): boolean;
  /**
   * Sign-out: deletes the stored key and forgets nonces. Never rejects (a failed delete must not
   * block the redirect); the next use creates a new key. A `dpop.fetch` request still in flight then
   * rejects with `DPoPKeyLostError`, so no session bound to the removed key is stored.
   */
  removeKey(): Promise<void>;
}

/**
 * Creates DPoP (RFC 9449) support for one client. Costs nothing until used: the key is loaded or
 * generated on first use.
 *
 * @example
 * const dpop = createDPoP({ keyStore: indexedDbKeyStore({ id: 'spa' }) });
 * const tokens = new TokenManager({
 *   tokenTypes: ['DPoP'],
 *   storage: bindStorageToKey(webStorage(localStorage), dpop),
 *   fetchTokens: ({ refreshToken }) => refreshTokenGrant({ tokenUrl, clientId: 'spa', fetch: dpop.fetch })(…),
 * });
 */
export function createDPoP(options: DPoPOptions = {}): DPoP {
  checkOptions(options);
  const clock = options.clock ?? systemClock;
  const retried = new WeakSet<Response>();
  const book = nonceBook(clock);
  const emit = (event: DPoPEvent): void => {
    try {
      options.onEvent?.(event);
    } catch (error) {
      console.error(`[tessera] a "${event.type}" event listener threw.`, error);
    }
  };
  // Unused when a `key` is given; replaced by a memory store when a persistent one fails.
  let store = options.keyStore ?? memoryKeyStore();
  let fallback = false;
  let loading: Promise<KeyMaterial> | undefined;
  /** `removeKey()` calls so far: a key generated across one is never stored (decision 1202). */
  let removals = 0;
  /** The persistent store that failed, and its one retry: at the next `dpop.fetch` or `reloadKey()`. */
  let failed: DPoPKeyStore | undefined;
  let retry: Promise<unknown> | undefined;
  const load = (): Promise<KeyMaterial> => {
    loading ??= loadKey().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
  const loadKey = async (): Promise<KeyMaterial> => {
    if (options.key) return toKeyMaterial(options.key);
    const at = removals;
    const candidate = await generateKeyPair();
    // Signed out meanwhile: the callers that started before get it, the store never (the next use makes another).
    if (at !== removals) return toKeyMaterial(candidate);
    try {
      return await toKeyMaterial(await store.getOrAdd(candidate));
    } catch (error) {
      if (!store.persistent) throw error;
      emit({ type: 'key_not_persistent', error });
      fallback = true;
      failed = store;
      store = memoryKeyStore();
      return toKeyMaterial(await store.getOrAdd(candidate));
    }
  };
  /**
   * Our key, or the one the store holds instead (`read` gives it): another tab's sign-out removed ours
   * and its sign-in stored a new one. A key you passed, a memory store and a fallback key are kept
   * (nothing else can replace them), so is ours when the read fails or a `removeKey()` came meanwhile.
   */
  const adopt = async (read: (pair: DPoPKeyPair) => Promise<DPoPKeyPair | undefined>) => {
    const current = load();
    const key = await current;
    // This tab's removeKey() came meanwhile: the removed key is never put back (decision 1202).
    if (loading !== current) return key;
    // A failed store (an IndexedDB open that hung) is tried once more, with the key in memory, before
    // the request that binds a session: when it answers, it is the store again and the session
    // survives a reload. One try for every caller; a store still failing keeps the key in memory.
    // A removeKey() meanwhile: the key it removed, which the retry stored, is deleted before the store is
    // used again, and never read back below (decision 1202).
    retry ??= failed
      ?.getOrAdd(key.pair)
      .then(async () => {
        if (loading !== current) await failed?.remove();
        store = failed as DPoPKeyStore;
        fallback = false;
      })
      .catch(() => {});
    await retry;
    if (loading !== current) return key;
    const stored =
      !options.key &&
      store.persistent &&
      (await read(key.pair)
        .then((pair) => pair && toKeyMaterial(pair))
        .catch(() => {}));
    if (stored && stored.thumbprint !== key.thumbprint && loading === current)
      loading = Promise.resolve(stored);
    return load();
  };
  const prove = async (
    key: Promise<KeyMaterial>,
    method: string,
    url: URL,
    nonce: string | undefined,
    accessToken?: string,
  ) =>
    signProof(await key, {
      htm: toHtm(method),
      htu: toHtu(url),
      iat: book.serverTime(url),
      nonce,
      accessToken,
    });

  // Each wrapper maps to itself too, so wrapping `dpop.fetch` or a wrapper never adds a second proof.
  const wrappers = new WeakMap<object, FetchLike>();
  const wrap = (inner: FetchLike): FetchLike => {
    const wrapper: FetchLike = async (input, init) => {
      // Every proof of one authorization-server request is signed with the stored key (ours put back
      // when another tab's removeKey() deleted it), so the tokens it brings are bound to the key the
      // next page load reads; the answer is refused when this tab's key changed meanwhile (its own
      // removeKey()): its tokens are bound to a key it no longer signs with (decision 1202).
      let key: Promise<KeyMaterial> | undefined;
      const response = await dpopFetch(
        inner,
        book,
        (...args) => {
          key ??= adopt((pair) => store.getOrAdd(pair));
          return prove(key, ...args);
        },
        emit,
        retried,
      )(input, init);
      if (key && (await key) !== (await loading)) {
        releaseBody(response);
        throw new DPoPKeyLostError('thumbprint_mismatch');
      }
      return response;
    };
    wrappers.set(inner, wrapper).set(wrapper, wrapper);
    return wrapper;
  };
  const fetch = wrap((input, init) => (options.fetch ?? globalThis.fetch)(input, init));
  const dpop: DPoP = {
    scheme: 'DPoP',
    fetch,
    // Called by the OAuth transport as `fetch(url, init)`: the string and init it passes fit either signature.
    wrapFetch: (given = fetch as OAuthFetch) =>
      (wrappers.get(given) ?? wrap(given as unknown as FetchLike)) as unknown as OAuthFetch,
    bindStorage: (storage) => bindStorageToKey(storage, dpop),
    authorize: (...args) => senderConstrainedHeaders(dpop, ...args).then((sent) => sent.proof),
    rebind: (header) => proofPerHop(dpop, header),
    isNonceReplay: (...args) => isNonceReplay(dpop, ...args),
    checkUse: checkConstraintUse,
    // Another tab's key, or none (the session's key is lost): ours is kept.
    reloadKey: () => adopt(() => store.get()).then(dpop.ready),
    get persistent() {
      return !!options.key || store.persistent;
    },
    ready: async () => {
      const key = await load();
      return { thumbprint: key.thumbprint, persistent: dpop.persistent, fallback };
    },
    headersFor: async ({ method, url, accessToken }: ProofRequest) => {
      const target = resolveUrl(url);
      return { DPoP: await prove(load(), method, target, book.nonceFor(target), accessToken) };
    },
    learn: (response: ResponseLike) => {
      try {
        // A resource server's clock only from a 401, the rejection of the proof just sent: any other
        // answer may be a stored copy (a browser cache adds no `Age`) whose old `Date` would move every
        // iat. Only for its own origin: an API never sets the offset of the others (decision 1201).
        book.learn(
          resolveUrl(response.url),
          response.headers,
          response.status === 401 ? ClockLesson.Origin : ClockLesson.None,
        );
      } catch {
        // A response without a usable URL teaches nothing.
      }
    },
    isNonceChallenge: (response: ResponseLike, sent: Readonly<Record<string, string>>) => {
      if (
        response.status !== 401 ||
        !isDPoPNonceChallenge(readHeader(response.headers, 'www-authenticate'))
      ) {
        return false;
      }
      const target = resolveUrl(response.url);
      // The nonce the proof in `sent` carried: core's one JWT reader (no proof, or not a JWT, has none).
      const failure = nonceFailure(
        book.learn(target, response.headers, ClockLesson.Origin),
        decodeJwtClaims(readHeader(sent, 'dpop'))?.nonce as string | undefined,
      );
      if (failure) throw new DPoPNonceError(failure, 401, toHtu(target));
      emit({ type: 'nonce_retry', origin: target.origin, status: 401 });
      return true;
    },
    isAfterNonceRetry: (response) => retried.has(response),
    removeKey: async () => {
      book.clear();
      loading = undefined;
      removals++;
      try {
        if (!options.key) await store.remove();
      } catch {
        // Sign-out goes on; the next key replaces the stale one (getOrAdd overwrites unreadable entries).
      }
    },
  };
  return dpop;
}

/**
 * For plain-JS callers: an unknown key ("did you mean"), or a value that would fail only at the first
 * proof, in words that do not say which option (`store.getOrAdd is not a function`), is refused here.
 * `null` counts as not set. A `key` must have a pair's `privateKey` or a `KeyObject`'s `export` (`0`, `''`,
 * `false` from a broken key loading would otherwise mean "no key": a fresh key in memory, whose tokens die
 * at reload); the key itself is checked when it is first used (`DPoPUnsupportedKeyError`).
 * @throws {TypeError} naming the option.
 */
function checkOptions(options: DPoPOptions): void {
  const where = 'createDPoP(options)';
  assertKnownOptions(options, ['key', 'keyStore', 'fetch', 'clock', 'onEvent'], where);
  for (const name of ['fetch', 'clock', 'onEvent'] as const) {
    if (options[name] != null && typeof options[name] !== 'function') {
      throw new TypeError(`${where}: ${name} must be a function, got ${typeof options[name]}`);
    }
  }
  const key = options.key as Partial<DPoPKeyPair & KeyObjectLike> | undefined;
  if (key != null && !key.privateKey && typeof key.export !== 'function') {
    throw new TypeError(`${where}: key must be a CryptoKeyPair or a private KeyObject (ES256, P-256)`);
  }
  if (options.keyStore != null && typeof options.keyStore.getOrAdd !== 'function') {
    throw new TypeError(`${where}: keyStore must be a DPoPKeyStore such as memoryKeyStore()`);
  }
}
