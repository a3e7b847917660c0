import type { TokenSet } from '../token-set.js';

/** A value, or a promise of it. Storage may be synchronous or asynchronous. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Where a `TokenManager` keeps its `TokenSet`. Implement it for any store (IndexedDB, an encrypted
 * file, Redis…); methods may be sync or async.
 *
 * - `get` may return anything: the manager validates it, and treats unreadable data (wrong shape,
 *   invalid JSON, a thrown error) as empty, emitting a `storage_error` event.
 * - An operation that takes longer than the manager's `timeout` counts as failed the same way (a
 *   `storage_error` event with a `TimeoutError`) and the next one starts: the manager never waits
 *   forever on a storage that does not answer.
 * - `subscribe` is optional: call `onChange` when another process (tab, replica) changed the set,
 *   with the new set or `null` when it was removed. The manager adopts it without a token request.
 */
export interface TokenStorage {
  get(): MaybePromise<unknown>;
  set(tokens: TokenSet): MaybePromise<void>;
  remove(): MaybePromise<void>;
  subscribe?(onChange: (tokens: unknown) => void): () => void;
}
