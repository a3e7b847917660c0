import type { RetryOptions } from '../retry-options.js';

/**
 * The longest one refresh can take, in ms: every attempt running into `timeout`, plus the longest
 * backoff before each retry (jitter doubles it at most). A `Retry-After` longer than the backoff is
 * not counted. `Infinity` when there is no timeout.
 */
export function worstCaseRefresh(timeout: number, retry: Required<RetryOptions> | false): number {
  if (retry === false) return timeout;
  let total = timeout * (retry.retries + 1);
  for (let n = 1; n <= retry.retries; n++) {
    const backoff = retry.minTimeout * retry.factor ** (n - 1) * (retry.randomize ? 2 : 1);
    total += Math.min(backoff, retry.maxTimeout);
  }
  return total;
}
