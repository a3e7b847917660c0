import type { RetryOptions } from '../retry-options.js';
import { backoffDelay } from './retry-policy.js';

/**
 * The longest one refresh can take, in ms: every attempt running into `timeout`, plus the longest
 * backoff before each retry (jitter doubles it at most). A `Retry-After` longer than the backoff is
 * not counted. `Infinity` when there is no timeout. The READMEs state this number for the defaults
 * (`readme-worst-case-wait.test.ts`).
 */
export function worstCaseRefresh(timeout: number, retry: Required<RetryOptions> | false): number {
  if (retry === false) return timeout;
  let total = timeout * (retry.retries + 1);
  for (let n = 1; n <= retry.retries; n++) total += backoffDelay(n, retry, retry.randomize ? 2 : 1);
  return total;
}
