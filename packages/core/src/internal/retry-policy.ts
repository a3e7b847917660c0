import pRetry from 'p-retry';
import type { RetryOptions } from '../retry-options.js';
import { retryDates } from './retry-after.js';
import { startTimer, unrefTimer, type Waits } from './timer.js';

/**
 * Exponential backoff before retry number `retry` (1-based), with jitter when `randomize` is set.
 * @param jitter the factor applied, in [1, 2). @default 1 + Math.random() with `randomize`, else 1
 */
export function backoffDelay(
  retry: number,
  options: Required<RetryOptions>,
  jitter: number = options.randomize ? 1 + Math.random() : 1,
): number {
  const exponential = Math.round(jitter * options.minTimeout * options.factor ** (retry - 1));
  return Math.min(exponential, options.maxTimeout);
}

/**
 * Runs `attempt` with p-retry while errors are `retryable` (the manager's rule: `isTransient`, and a timeout
 * carrying a refresh token only with `retryTimeouts`). Before each retry it waits the longer of the
 * exponential backoff (with jitter) and the server's `Retry-After` (capped at `maxRetryAfter`), and
 * tells `onRetry` exactly how long that wait is.
 *
 * @param waits the refresh's: unref'd while not `held`. No defaults: the manager, the one caller, passes all.
 * @param now the manager's clock: what a `Retry-After` HTTP-date is judged by.
 */
export function runWithRetry<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  options: Required<RetryOptions> | false,
  onRetry: (error: unknown, attemptNumber: number, delay: number) => void,
  signal: AbortSignal,
  retryable: (error: unknown) => boolean,
  waits: Waits,
  now: () => number,
): Promise<T> {
  if (options === false) return attempt(1);
  // p-retry runs the loop and decides what to retry; the wait is ours (minTimeout 0) so the
  // `retrying` event can report it exactly. Backoff timers are referenced while a caller is waiting
  // (`waits`), so a Node process does not exit mid-retry. `signal` (the manager's: at `dispose()`, or when the
  // set being refreshed is replaced or removed) ends the loop at once: the timer is cleared, no attempt follows.
  return pRetry(attempt, {
    signal,
    retries: options.retries,
    // p-retry's own delay is then 0 (its `maxTimeout` and `randomize` left at their defaults change nothing).
    minTimeout: 0,
    shouldRetry: ({ error }) => retryable(error),
    onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
      if (retriesLeft === 0 || !retryable(error)) return;
      // Aborted during the attempt: no `retrying` event, no backoff timer, no further attempt.
      signal.throwIfAborted();
      // The `Retry-After` the error carries, in ms. Read by field, as `isTransient` judges by `code`: an
      // `HttpError` or `OAuthError` of another copy of `@tessera/core` counts too.
      // An HTTP-date is judged by `now`, as the manager judges everything else.
      const date = retryDates.get(error as object);
      const asked =
        date === undefined ? Number((error as { retryAfter?: unknown }).retryAfter) || 0 : date - now();
      const retryAfter = Math.min(asked, options.maxRetryAfter);
      const wait = Math.max(retryAfter, backoffDelay(attemptNumber, options));
      onRetry(error, attemptNumber, wait);
      if (wait > 0) {
        await new Promise<void>((resolve, reject) => {
          // Already disposed (a `retrying` listener may dispose the manager): no timer is started.
          signal.throwIfAborted();
          const onAbort = (): void => {
            clearTimeout(timer);
            reject(signal.reason);
          };
          const timer = startTimer(() => {
            signal.removeEventListener('abort', onAbort);
            resolve();
          }, wait);
          waits.timer = timer;
          if (!waits.held) unrefTimer(timer);
          signal.addEventListener('abort', onAbort, { once: true });
        });
      }
    },
  });
}
