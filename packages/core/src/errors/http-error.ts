import { isTransient } from '../transient.js';
import { TesseraError, type TesseraErrorCode } from './tessera-error.js';

/**
 * An OAuth endpoint (token, discovery, revocation) answered with an HTTP error status and no OAuth
 * error body (an HTML error page from a proxy, an empty 502…), or with a redirect: redirects from
 * OAuth endpoints are never followed (status 0 is a browser's opaque redirect).
 *
 * 408 and 5xx are retried with backoff; other statuses are not. When retries are exhausted the
 * last `HttpError` reaches the caller: the server or a proxy in front of it is failing.
 */
export class HttpError extends TesseraError {
  /** HTTP status of the response. */
  declare readonly status: number;
  /** Delay the server asked for with `Retry-After`, in milliseconds. */
  declare readonly retryAfter: number | undefined;

  /**
   * @param request what was sent, for the message.
   * @default request 'Token request'
   */
  constructor(
    status: number,
    where: string,
    retryAfter?: number,
    code: TesseraErrorCode = 'HTTP_ERROR',
    request = 'Token request',
  ) {
    super(
      code,
      `${request} ${
        status === 0 || (status >= 300 && status < 400)
          ? `was answered with a redirect (HTTP ${status}), which is never followed: use the endpoint's final URL`
          : status === 429
            ? `was rate limited (HTTP 429${retryAfter === undefined ? '' : `, retry after ${retryAfter} ms`})`
            : `failed with HTTP ${status}`
      } — ${where}`,
    );
    this.name = 'HttpError';
    this.status = status;
    this.retryAfter = retryAfter;
  }

  /** Whether retrying the same request may succeed. */
  get transient(): boolean {
    return isTransient(this);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), status: this.status, retryAfter: this.retryAfter };
  }
}
