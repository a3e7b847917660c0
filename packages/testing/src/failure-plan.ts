import { NO_STORE, type TokenOutcome } from './token-endpoint.js';

/** How `failNextTokenRequests` makes token requests fail. */
export interface TokenFailure {
  /**
   * The HTTP status.
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

/** Queued failures for the next token requests, in order. */
export class FailurePlan {
  #queue: TokenFailure[] = [];

  /** Queues `count` failures after those already queued. */
  add(count: number, failure: TokenFailure): void {
    if (!Number.isInteger(count) || count < 0) {
      throw new RangeError(`failNextTokenRequests expects a whole number of requests, got ${count}.`);
    }
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
