import type { RefreshLock } from '../refresh-lock.js';
import type { WebLocks } from './web-locks.js';

/** Options of `webLocksLock`. Durations are milliseconds. */
export interface WebLocksLockOptions {
  /** Prefix of every lock name: `${prefix}/${name}`. */
  prefix: string;
  /** Longest wait for the lock before the task runs without it, in ms. A non-finite value waits forever. */
  timeout: number;
  /** The Web Locks API; `undefined` runs every task at once, unlocked. */
  locks: WebLocks | undefined;
}

/**
 * A `RefreshLock` over the Web Locks API (`navigator.locks`), shared by every tab and worker of
 * the origin. The browser releases a lock when the tab holding it closes or crashes.
 *
 * The wait is bounded: after `timeout` ms without a grant the request is aborted and the task runs
 * unlocked — even when the browser ignores the abort signal and never settles the request. A grant
 * that arrives after that is released at once. A refused request (no Web Locks in an opaque-origin
 * iframe, a `SecurityError`) also runs the task unlocked. The task never runs twice.
 */
export function webLocksLock({ prefix, timeout, locks }: WebLocksLockOptions): RefreshLock {
  return {
    run<T>(name: string, task: () => Promise<T>): Promise<T> {
      if (!locks) return task();
      return new Promise<T>((resolve, reject) => {
        let state: 'waiting' | 'granted' | 'unlocked' = 'waiting';
        const controller = new AbortController();
        let timer: ReturnType<typeof setTimeout> | undefined;
        const start = (): Promise<T> => new Promise<T>((settle) => settle(task()));
        const runUnlocked = (): void => {
          if (state !== 'waiting') return;
          state = 'unlocked';
          clearTimeout(timer);
          controller.abort();
          start().then(resolve, reject);
        };
        const runLocked = async (): Promise<void> => {
          if (state !== 'waiting') return; // gave up waiting: release the late grant at once
          state = 'granted';
          clearTimeout(timer);
          const result = start();
          result.then(resolve, reject);
          await result.catch(() => {}); // hold the lock until the task settles
        };
        // Serves a waiting caller, so it may keep a Node process alive (docs/decisions/0004); cleared on grant.
        if (Number.isFinite(timeout)) timer = setTimeout(runUnlocked, timeout);
        try {
          locks.request(`${prefix}/${name}`, { signal: controller.signal }, runLocked).catch(runUnlocked);
        } catch {
          runUnlocked();
        }
      });
    },
  };
}
