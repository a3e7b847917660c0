import { assertKnownOptions } from './assert-known-options.js';
import { NO_STORE, type TokenOutcome } from './token-endpoint.js';

/** How `failNextTokenRequests` makes token requests fail. */
export interface TokenFailure {
  /**
   * The HTTP status, 200–599; `204`, `205` and `304` only without `error` or `body`.
   * @default 503
   */
  status?: number;
  /**
   * `Retry-After`: seconds (a number) or an HTTP date (a string sent as is).
   * @default undefined (no header)
   */
  retryAfter?: number | string;
  /**
   * An OAuth error code; the body becomes `{ "error": code, "error_description": … }`.
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
      throw new RangeError(`failNextTokenRequests expects a whole number of requests, got ${count}.`);
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
 * request arrives.
 * @throws {RangeError} a status outside 200–599, or a body for a status that has none.
 */
function assertSendable(failure: TokenFailure): void {
  const status = failure.status ?? 503;
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new RangeError(`failNextTokenRequests expects a status from 200 to 599, got ${status}.`);
  }
  if (NULL_BODY_STATUSES.has(status) && (failure.body !== undefined || failure.error !== undefined)) {
    throw new RangeError(`failNextTokenRequests: a ${status} response has no body; drop error and body.`);
  }
}

/** The response of an injected failure. */
export function failureOutcome(failure: TokenFailure): TokenOutcome {
  const status = failure.status ?? 503;
  const headers = new Headers(NO_STORE);
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
