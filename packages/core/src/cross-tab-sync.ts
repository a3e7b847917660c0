import type { RefreshLock } from './refresh-lock.js';
import type { TokenStorage } from './storage/token-storage.js';

/**
 * Coordinates the `TokenManager`s of one origin across browser tabs: one refresh at a time
 * (`lock`), and every stored or removed token set published to the other tabs (`wrapStorage`).
 * Create one with `crossTab()`.
 */
export interface CrossTabSync {
  /** Serialises refreshes across tabs; must fall back to running unlocked after a bounded wait. */
  readonly lock: RefreshLock;
  /**
   * Wraps the manager's storage: `set` and `remove` are published to other tabs, and their
   * publications reach the manager through the returned storage's `subscribe`. Unsubscribing
   * releases every channel. `key` is the manager's: only publications of managers with the same
   * key may reach it (another key is another token set, often for another API). `check` throws for
   * a value the manager cannot use: a publication carrying one is ignored (decision 0602, update).
   */
  wrapStorage(storage: TokenStorage, key: string, check?: (value: unknown) => unknown): TokenStorage;
}
