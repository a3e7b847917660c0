import { AbortError } from '../errors/abort-error.js';
import { isTesseraError } from '../errors/guards.js';
import { HttpError } from '../errors/http-error.js';
import { MalformedResponseError } from '../errors/malformed-response-error.js';
import { NetworkError } from '../errors/network-error.js';
import { OAuthError } from '../errors/oauth-error.js';
import { RateLimitError } from '../errors/rate-limit-error.js';
import { TimeoutError } from '../errors/timeout-error.js';
import type { FetchLike } from '../fetch-like.js';
import { readJsonBody } from '../read-json-body.js';
import { copyCauseChain } from './copy-cause-chain.js';
import { describeRequest } from './describe-request.js';
import { isRecord } from './is-record.js';
import type { Redact } from './redact.js';
import { parseRetryAfter, retryDates } from './retry-after.js';
import { answers } from './timeout-answer.js';
import { withTimeout } from './with-timeout.js';

/** One request to an OAuth endpoint: token, discovery or revocation. */
export interface ExchangeRequest {
  method: 'GET' | 'POST';
  /** Already checked by `parseEndpointUrl`. */
  url: URL;
  headers: Record<string, string>;
  /** A form-encoded body, for POST. */
  body?: string | undefined;
  /** @default globalThis.fetch, read at call time */
  fetch?: FetchLike | undefined;
  /**
   * The caller's signal: its `reason` is kept (a Tessera error reason, of any copy of core, is
   * rethrown as it is; this copy's `TimeoutError` naming this request).
   */
  signal?: AbortSignal | undefined;
  /** Timeout of this attempt, in ms. @default undefined (none: the caller's signal decides) */
  timeout?: number | undefined;
  /** Redacts the secrets of this request from anything the server echoes. */
  redact: Redact;
  /** What is sent, for messages: `Token request`, `Discovery request`, `Revocation request`. */
  label: string;
}

/** What came back. */
export interface ExchangeResponse {
  status: number;
  /** `Retry-After`, in ms from now. */
  retryAfter: number | undefined;
  /** `Retry-After` as an HTTP-date: its time (epoch ms), for the manager's clock. */
  retryAt: number | undefined;
  /** The body parsed as JSON, or `undefined` when it is not JSON. */
  json: unknown;
  /** `METHOD origin+path`, for messages. */
  where: string;
}

/**
 * Sends one request with `fetch` and reads the answer: the one transport of every OAuth endpoint.
 * Redirects are never followed (`redirect: 'manual'`). `fetch` is called as `fetch(url, init)` with
 * `init.method`, plain-object `init.headers` and a string `init.body`, so a decorating fetch (DPoP)
 * can add a header and send again.
 *
 * @throws {AbortError} the caller's signal aborted (its Tessera error reason instead, as it is, of any copy
 *   of core: `isTesseraError`; this copy's `TimeoutError` reason is rethrown naming this request).
 * @throws {TimeoutError} `timeout` elapsed.
 * @throws {TypeError} `timeout` is not a number > 0 (`Infinity`: none); nothing is sent.
 * @throws {NetworkError} no response (the message names the transport's code, e.g. `ECONNREFUSED`).
 * @throws {MalformedResponseError} the body is over 1 MiB (`too_large`, see `readJsonBody`), or a 2xx body
 *   broke off (`incomplete`; a body of another status that broke off is judged by its status): never retried.
 * @throws {TesseraError} what a decorating `fetch` threw as a Tessera error (e.g. `DPoPNonceError`), as it is.
 */
export function exchange(request: ExchangeRequest): Promise<ExchangeResponse> {
  const { signal, timeout, label, redact } = request;
  const where = describeRequest(request.method, request.url);
  // The one-shot helpers' `timeout` (`requestToken`, `discover`, `revokeToken`, sign-in's): 0, axios's
  // "none", timed every request out at once (decision 0008).
  if (!(timeout === undefined || timeout > 0)) {
    throw new TypeError(
      `${where}: timeout must be a number of milliseconds > 0, or Infinity for none, got ${typeof timeout === 'number' ? timeout : typeof timeout}`,
    );
  }
  return withTimeout(
    async (inner) => {
      let status = 0;
      let json: unknown;
      let retryAfterHeader: string | null = null;
      let redirected: boolean | undefined;
      try {
        const response = await (request.fetch ?? globalThis.fetch)(request.url.href, {
          method: request.method,
          headers: request.headers,
          ...(request.body === undefined ? {} : { body: request.body }),
          redirect: 'manual',
          signal: inner,
        });
        redirected = response.redirected;
        retryAfterHeader = response.headers.get('retry-after');
        status = response.status;
        // Not the one signal that nothing aborts (no `signal`, no `timeout`), which every such request
        // shares: a listener per body read in flight on it made Node warn of a leak from the 11th.
        json = await readJsonBody(response, where, label, signal || timeout! < Infinity ? inner : undefined);
      } catch (error) {
        // A typed error, from a decorating fetch (DPoP's DPoPNonceError) or the reader (`too_large`), is its
        // verdict: as it is, never retried.
        if (isTesseraError(error)) throw error;
        if (!status) {
          // Messages redacted, `user:pass@` and the query (an API key, decision 0407; node-fetch quotes the
          // URL) removed from any URL in them.
          throw new NetworkError(
            where,
            copyCauseChain(error, (message) =>
              redact(message).replace(/(:\/\/)(?:[^/?#\s@]*@)?([^?#\s]*)\S*/g, '$1$2'),
            ),
            undefined,
            label,
          );
        }
        // The status came, then the body broke off: judged by its status, as an unreadable body. A 2xx was
        // acted on (a refresh token rotated, which a retry would spend again: decision 0015), so it is
        // `incomplete`, never retried.
        if (status > 199 && status < 300) {
          throw new MalformedResponseError('incomplete', 'the body broke off', where, status, label);
        }
      }
      // A `fetch` that dropped `redirect: 'manual'` followed one: the request went elsewhere too. Judged
      // once the body was read (nothing left to release).
      if (redirected)
        throw new MalformedResponseError('redirected', 'the fetch followed a redirect', where, status, label);
      const [retryAfter, retryAt] = parseRetryAfter(retryAfterHeader, Date.now());
      return { status, retryAfter, retryAt, json, where };
    },
    signal,
    (reason) => {
      if (reason instanceof TimeoutError) {
        // The manager's timeout: this request is where it happened (see `timeout-answer.ts`).
        const answer = new TimeoutError(reason.timeout, where, label);
        answers.set(reason, answer);
        return answer;
      }
      return isTesseraError(reason) ? reason : new AbortError(reason);
    },
    timeout,
    () => new TimeoutError(timeout as number, where, label),
  );
}

/**
 * The error an answer stands for, or `undefined` for a 2xx without an OAuth error body: an OAuth
 * error body (RFC 6749 §5.2, with any status, even 200) → `OAuthError` with its fields redacted;
 * 429 → `RateLimitError`; any other non-2xx (redirects included) → `HttpError`.
 */
export function failureOf(
  response: ExchangeResponse,
  redact: Redact,
  label: string,
): OAuthError | HttpError | undefined {
  const { status, json, where, retryAfter } = response;
  let failure: OAuthError | HttpError | undefined;
  if (isRecord(json) && typeof json.error === 'string') {
    const text = (value: unknown): string | undefined =>
      typeof value === 'string' ? redact(value) : undefined;
    failure = new OAuthError(
      {
        error: redact(json.error),
        errorDescription: text(json.error_description),
        errorUri: text(json.error_uri),
        status,
        retryAfter,
      },
      where,
    );
  } else if (status === 429) failure = new RateLimitError(where, retryAfter, label);
  else if (status < 200 || status >= 300)
    failure = new HttpError(status, where, retryAfter, 'HTTP_ERROR', label);
  if (failure) retryDates.set(failure, response.retryAt);
  return failure;
}
