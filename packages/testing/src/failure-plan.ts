import { assertKnownOptions, shown } from './assert-known-options.js';
import { NQSCHARS } from './authorize.js';
import { NO_STORE, type TokenOutcome } from './token-endpoint.js';

/** How `failNextTokenRequests` makes token requests fail. */
export interface TokenFailure {
  /**
   * The HTTP status, 200–599; `204`, `205` and `304` only without `error` or `body`. A 401 carries
   * `WWW-Authenticate: Basic realm="<issuer>"`, as every 401 must (RFC 9110 §15.5.2).
   * @default 503
   */
  status?: number;
  /**
   * `Retry-After`: whole seconds ≥ 0 (a number) or an HTTP date (a string sent as is).
   * @default undefined (no header)
   */
  retryAfter?: number | string;
  /**
   * An OAuth error code (RFC 6749 §A.7: printable ASCII but `"` and `\\`); the body becomes
   * `{ "error": code, "error_description": … }`.
   * @default undefined (empty body)
   */
  error?: string;
  /**
   * A raw body sent instead, e.g. an HTML error page from a proxy. `text/html` when it starts with `<`,
   * else `text/plain`.
   * @default undefined
   */
  body?: string;
}

const FAILURE_KEYS = Object.keys({
  status: true,
  retryAfter: true,
  error: true,
  body: true,
} satisfies Record<keyof TokenFailure, true>);

/** Queued failures for the next token requests, in order. */
export class FailurePlan {
  #queue: TokenFailure[] = [];

  /**
   * Queues `count` failures after those already queued.
   * @throws {TypeError} `failure` is not an object or has a key it does not know (`retry_after`).
   */
  add(count: number, failure: TokenFailure): void {
    if (!Number.isInteger(count) || count < 0) {
      throw new RangeError(`failNextTokenRequests expects a whole number of requests, got ${shown(count)}.`);
    }
    assertKnownOptions(failure, FAILURE_KEYS, 'auth.failNextTokenRequests(count, failure)');
    assertSendable(failure);
    for (let index = 0; index < count; index += 1) this.#queue.push(failure);
  }

  /** The failure for the request that just arrived, if one is queued. */
  take(): TokenFailure | undefined {
    return this.#queue.shift();
  }

  /** How many failures are still queued. */
  get pending(): number {
    return this.#queue.length;
  }

  clear(): void {
    this.#queue = [];
  }
}

/** Statuses a `Response` cannot carry a body with (Fetch standard "null body status"). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * Refuses, when it is planned, a failure no `Response` can carry — instead of an msw 500 when the
 * request arrives — and one no server may send: a `Retry-After` that is not whole seconds
 * (RFC 9110 §10.2.3), an `error` outside RFC 6749 §A.7.
 * @throws {RangeError} a status outside 200–599, a body for a status that has none, a `retryAfter` number
 *   that is not a whole number ≥ 0.
 * @throws {TypeError} an `error` that is not a non-empty string of RFC 6749 §A.7 characters.
 */
function assertSendable(failure: TokenFailure): void {
  const where = 'auth.failNextTokenRequests(count, failure)';
  const status = failure.status ?? 503;
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new RangeError(`failNextTokenRequests expects a status from 200 to 599, got ${shown(status)}.`);
  }
  if (NULL_BODY_STATUSES.has(status) && (failure.body !== undefined || failure.error !== undefined)) {
    throw new RangeError(`failNextTokenRequests: a ${status} response has no body; drop error and body.`);
  }
  const { retryAfter, error } = failure;
  if (typeof retryAfter === 'number' && !(Number.isInteger(retryAfter) && retryAfter >= 0)) {
    throw new RangeError(
      `${where}: retryAfter is whole seconds ≥ 0 (Retry-After has no fractions or signs), got ${retryAfter}.`,
    );
  }
  if (error !== undefined && (typeof error !== 'string' || !NQSCHARS.test(error))) {
    throw new TypeError(
      `${where}: error must be a non-empty string of printable ASCII without " or \\ (RFC 6749 Appendix A), such as 'temporarily_unavailable'.`,
    );
  }
}

/** The response of an injected failure; a 401 challenges for Basic credentials in `realm` (the issuer). */
export function failureOutcome(failure: TokenFailure, realm: string): TokenOutcome {
  const status = failure.status ?? 503;
  const headers = new Headers(NO_STORE);
  if (status === 401) headers.set('WWW-Authenticate', `Basic realm="${realm}"`);
  if (failure.retryAfter !== undefined) headers.set('Retry-After', String(failure.retryAfter));
  let body: string | null = null;
  if (failure.body !== undefined) {
    body = failure.body;
    const html = failure.body.trimStart().startsWith('<');
    headers.set('Content-Type', `${html ? 'text/html' : 'text/plain'}; charset=utf-8`);
  } else if (failure.error !== undefined) {
    body = JSON.stringify({
      error: failure.error,
      error_description: 'Failure injected by failNextTokenRequests',
    });
    headers.set('Content-Type', 'application/json');
  }
  const outcome: TokenOutcome = { response: new Response(body, { status, headers }), status };
  if (failure.error !== undefined) outcome.error = failure.error;
  return outcome;
}
