import type { CallbackResult } from './sign-in-result.js';

/**
 * Settled callback results a page remembers: enough for every instance of a page (StrictMode's second
 * one, a second client) to get the same answer, few enough that a long-lived page which completes
 * callbacks without reloading (popups, an app that calls `handleCallback()` on each route) does not
 * hold every result, tokens included, until sign-out.
 */
export const REMEMBERED_CALLBACKS = 10;

/** The results of callbacks by key, see `callbackResults`. */
export interface CallbackResults {
  get(key: string): Promise<CallbackResult> | undefined;
  /** Remembers `result` for `key`: as long as it is in progress, then among the latest `max` settled. */
  add(key: string, result: Promise<CallbackResult>): void;
  /** Forgets the result of `key` (a callback that can be tried again). */
  delete(key: string): void;
  /**
   * Forgets the results whose key starts with `prefix` (one client's: its sign-out), or with `settledOnly`
   * the settled ones: a call in progress stays shared.
   */
  clear(prefix: string, settledOnly?: boolean): void;
}

/**
 * The results of callbacks in progress or done in this page. Every one in progress is kept (a second
 * call must share its token request), and of the settled ones the `max` that settled last: an older
 * one asked for again is taken from storage anew, where its used transaction makes it a replay.
 */
export function callbackResults(max: number): CallbackResults {
  const results = new Map<string, Promise<CallbackResult>>();
  /** Keys of settled results, in the order they settled. */
  const settled = new Set<string>();
  return {
    get: (key) => results.get(key),
    add(key, result) {
      results.set(key, result);
      void result.then(() => {
        if (results.get(key) !== result) return; // cleared (sign-out) meanwhile
        settled.add(key);
        for (const oldest of settled) {
          if (settled.size <= max) break;
          settled.delete(oldest);
          results.delete(oldest);
        }
      });
    },
    delete: (key) => void results.delete(key),
    clear(prefix, settledOnly) {
      for (const key of results.keys()) {
        if (key.startsWith(prefix) && (!settledOnly || settled.has(key))) {
          results.delete(key);
          settled.delete(key);
        }
      }
    },
  };
}
