import { TesseraError } from './tessera-error.js';

/**
 * One token (or discovery, or revocation) request took longer than the `timeout` option. The request is aborted and retried;
 * when retries are exhausted this reaches the caller. A `TokenManager` storage operation that took longer
 * than `timeout` is reported with one in a `storage_error` event (`Token storage get() timed out…`), never thrown.
 */
export class TimeoutError extends TesseraError {
  /** The timeout that elapsed, in milliseconds. */
  declare readonly timeout: number;

  /** @default request 'Token request' */
  constructor(timeout: number, where: string, request = 'Token request') {
    super('TIMEOUT', `${request} timed out after ${timeout} ms — ${where}`);
    this.name = 'TimeoutError';
    this.timeout = timeout;
  }
}
