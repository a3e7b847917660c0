import { HttpError } from './http-error.js';

/**
 * The token endpoint answered HTTP 429. Retried after the `Retry-After` delay (capped by
 * `retry.maxRetryAfter`); when retries are exhausted, this reaches the caller with `retryAfter`
 * (milliseconds) set when the server sent one. Back off before asking again.
 */
export class RateLimitError extends HttpError {
  /** @default request 'Token request' */
  constructor(where: string, retryAfter?: number, request = 'Token request') {
    super(429, where, retryAfter, 'RATE_LIMITED', request);
    this.name = 'RateLimitError';
  }
}
