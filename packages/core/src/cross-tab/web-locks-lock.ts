import { startTimer } from '../internal/timer.js';
import type { RefreshLock, RefreshLockRunOptions } from '../refresh-lock.js';
import type { WebLocks } from './web-locks.js';

/** The wait when neither the lock nor the manager gives one, in ms. */
const DEFAULT_WAIT = 10_000;

/** How long a cross-tab lock waits before running the task anyway, in ms: `timeout`, else the manager's `maxWait`, else 10 s. */
export function lockWait(timeout: number | undefined, options: RefreshLockRunOptions | undefined): number {
  return timeout ?? options?.maxWait ?? DEFAULT_WAIT;
}

/** Options of `webLocksLock`. Durations are milliseconds. */
export interface WebLocksLockOptions {
  /** Prefix of every lock name: `${prefix}/${name}`. */
  prefix: string;
  /**
   * Longest wait for the lock before the task runs without it, in ms. A non-finite value waits
   * forever. `undefined`: the `maxWait` the manager passes (its worst-case refresh), else 10 s.
   */
  timeout: number | undefined;
  /** The Web Locks API; `undefined`: every task goes to `fallback`. */
  locks: WebLocks | undefined;
  /**
   * The lock used where Web Locks cannot be had: `locks` is missing, or the browser refuses the
   * request (a `SecurityError` in an opaque-origin iframe). `undefined` runs the task unlocked.
   */
  fallback?: RefreshLock;
  /** Called when the task settled; the lock is released once the promise it returns settles (this tab's storage writes landed, or were posted after a bounded wait). */
  hold?: () => Promise<unknown>;
}

/**
 * A `RefreshLock` over the Web Locks API (`navigator.locks`), shared by every tab and worker of
 * the origin. The browser releases a lock when the tab holding it closes or crashes.
 *
 * The wait is bounded: after `timeout` ms (by default the manager's worst-case refresh, so a live
 * holder is never overtaken) without a grant the request is aborted and the task runs
 * unlocked — even when the browser ignores the abort signal and never settles the request. A grant
 * that arrives after that is released at once. A refused request (no Web Locks in an opaque-origin
 * iframe, a `SecurityError`) and missing Web Locks hand the task to `fallback` (decision 0607), or run
 * it unlocked without one. The task never runs twice. When the
 * manager's `signal` aborts (`dispose()`) while waiting, the request is withdrawn, the timer cleared
 * and the task never runs.
 */
export function webLocksLock({ prefix, timeout, locks, fallback, hold }: WebLocksLockOptions): RefreshLock {
  return {
    run<T>(name: string, task: () => Promise<T>, options?: RefreshLockRunOptions): Promise<T> {
      const signal = options?.signal;
      if (signal?.aborted) return Promise.reject(signal.reason);
      /** Where Web Locks cannot be had: the fallback lock, else unlocked. */
      const withoutWebLocks = (): Promise<T> => (fallback ? fallback.run(name, task, options) : task());
      if (!locks) return withoutWebLocks();
      const wait = lockWait(timeout, options);
      return new Promise<T>((resolve, reject) => {
        let waiting = true;
        const controller = new AbortController();
        let timer: ReturnType<typeof setTimeout> | undefined;
        const start = (): Promise<T> => new Promise<T>((settle) => settle(task()));
        /**
         * Leaves the wait, once: clears the timer, stops listening to `signal`, and withdraws the
         * request unless it was `granted`.
         */
        const leave = (granted?: boolean): boolean => {
          if (!waiting) return false;
          waiting = false;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          if (!granted) controller.abort();
          return true;
        };
        const runUnlocked = (): void => {
          if (leave()) start().then(resolve, reject);
        };
        // Refused while waiting (a `SecurityError`); a rejection after leaving is our own abort.
        const refused = (): void => {
          if (leave()) withoutWebLocks().then(resolve, reject);
        };
        // The manager was disposed: nobody waits for the task any more.
        const onAbort = (): void => {
          if (leave()) reject(signal?.reason);
        };
        const runLocked = async (): Promise<void> => {
          if (!leave(true)) return; // gave up waiting: release the late grant at once
          const result = start();
          result.then(resolve, reject);
          await result.catch(() => {}); // hold the lock until the task settles…
          await hold?.(); // …and its storage writes landed (or, hung, were posted as they are)
        };
        // Serves a waiting caller, so it may keep a Node process alive (docs/decisions/0004); cleared on grant.
        if (Number.isFinite(wait)) timer = startTimer(runUnlocked, wait);
        signal?.addEventListener('abort', onAbort, { once: true });
        try {
          locks.request(`${prefix}/${name}`, { signal: controller.signal }, runLocked).catch(refused);
        } catch {
          refused();
        }
      });
    },
  };
}
