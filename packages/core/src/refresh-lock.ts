/** What a `TokenManager` tells its lock about one refresh. Durations are milliseconds. */
export interface RefreshLockRunOptions {
  /**
   * The longest a refresh of this manager can take (every attempt timing out, plus backoff). A
   * lock without a configured wait waits at least this long for another holder before running
   * `task` unlocked, so a live holder is never overtaken (docs/decisions/0014). A `TokenManager` always passes it.
   * @default undefined (the lock's own wait: 10_000 for `crossTab()`, `lockWait` + `lockTtl` for the Redis lock)
   */
  maxWait?: number;
  /**
   * Aborts when the manager is disposed. A lock that takes it stops waiting at once, clears its
   * wait timer and rejects with `signal.reason` without running `task`; one that ignores it only
   * delays the timer's end (the manager's callers are rejected at once either way).
   * @default undefined (never aborted)
   */
  signal?: AbortSignal;
}

/**
 * A mutual exclusion shared by several `TokenManager`s (tabs, processes), so only one refreshes.
 *
 * `run` must call `task` while holding the lock named `name` and release it afterwards — and must
 * still call `task` (without the lock) when the lock cannot be had within a bounded wait, so a lost
 * or orphaned lock never hangs a caller. The task re-reads storage first, so a caller that stopped
 * waiting adopts the set a slow holder stored meanwhile.
 */
export interface RefreshLock {
  run<T>(name: string, task: () => Promise<T>, options?: RefreshLockRunOptions): Promise<T>;
}
