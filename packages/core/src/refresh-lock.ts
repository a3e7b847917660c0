/**
 * A mutual exclusion shared by several `TokenManager`s (tabs, processes), so only one refreshes.
 *
 * `run` must call `task` while holding the lock named `name` and release it afterwards — and must
 * still call `task` (without the lock) when the lock cannot be had within a bounded wait, so a lost
 * or orphaned lock never hangs a caller.
 */
export interface RefreshLock {
  run<T>(name: string, task: () => Promise<T>): Promise<T>;
}
