import { TesseraError, type TesseraErrorCode } from './tessera-error.js';

/**
 * The token endpoint answered with an HTTP error status and no OAuth error body (an HTML error
 * page from a proxy, an empty 502…).
 *
 * 408 and 5xx are retried with backoff; other statuses are not. When retries are exhausted the
 * last `HttpError` reaches the caller: the server or a proxy in front of it is failing.
 */
export class HttpError extends TesseraError {
  /** HTTP status of the response. */
  readonly status: number;
  /** Delay the server asked for with `Retry-After`, in milliseconds. */
  readonly retryAfter: number | undefined;

  constructor(status: number, where: string, retryAfter?: number, code: TesseraErrorCode = 'HTTP_ERROR') {
    super(code, `Token request failed with HTTP ${status} — ${where}`);
    this.name = 'HttpError';
    this.status = status;
    this.retryAfter = retryAfter;
  }

  /** Whether retrying the same request may succeed. */
  get transient(): boolean {
    return this.status === 408 || this.status === 429 || this.status >= 500;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), status: this.status, retryAfter: this.retryAfter };
  }
}
