/**
 * How failed token requests are retried. Durations in milliseconds; a wait above 2^31−1 ms (about
 * 24.8 days) is 2^31−1 ms.
 */
export interface RetryOptions {
  /**
   * Retries after the first attempt.
   * @default 3
   */
  retries?: number;
  /**
   * Exponential backoff factor.
   * @default 2
   */
  factor?: number;
  /**
   * Delay before the first retry, in ms.
   * @default 200
   */
  minTimeout?: number;
  /**
   * Longest backoff delay, in ms.
   * @default 10_000
   */
  maxTimeout?: number;
  /**
   * Multiply each delay by a random factor between 1 and 2 (jitter), so a fleet does not retry in step.
   * @default true
   */
  randomize?: boolean;
  /**
   * Longest `Retry-After` honoured, in ms; a server asking for longer gets this.
   * @default 60_000
   */
  maxRetryAfter?: number;
}

/** The defaults of `RetryOptions`. */
export const defaultRetryOptions: Required<RetryOptions> = {
  retries: 3,
  factor: 2,
  minTimeout: 200,
  maxTimeout: 10_000,
  randomize: true,
  maxRetryAfter: 60_000,
};
