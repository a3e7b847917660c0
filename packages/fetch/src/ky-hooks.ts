import { documentBase, type TokenManager, type TokenSet } from '@tessera/core';
import { isReplayableBody } from './is-replayable-body.js';
import { tokenSettings } from './token-settings.js';
import { tokenSet } from './with-tokens.js';
import type { WithTokensOptions } from './with-tokens-options.js';

/** The part of ky that `kyHooks` uses: `ky.retry()` (ky ≥ 1.14), from the ky copy your app uses. */
export interface KyLike<Marker = unknown> {
  retry(options?: { delay?: number }): Marker;
}

/** What ky passes to hooks, as far as `kyHooks` reads it. */
interface KyOptions {
  body?: unknown;
  retry?: { limit?: number } | undefined;
  redirect?: RequestRedirect | undefined;
  /** One object per ky call (ky ≥ 1.14), kept across its retries: what identifies the call. */
  context?: object | undefined;
}

/** What `beforeRequest` set on a ky call's latest attempt. */
interface Sent {
  /** The token header's value. */
  value: string;
  /** The access token it carries. */
  token: string;
  /** The proof headers (DPoP) set with it, if any. */
  proofs: Record<string, string> | undefined;
}

/** Hooks for `ky.create({ hooks })` or `ky.extend({ hooks })`; `Marker` is ky's `RetryMarker`. */
export interface KyHooks<Marker = unknown> {
  /** Resolves to a new `Request` only to stop a custom token header or a DPoP proof from following a redirect. */
  beforeRequest: Array<(request: Request, options: object) => Promise<Request | undefined>>;
  afterResponse: Array<
    (
      request: Request,
      options: object,
      response: Response,
      state?: { retryCount: number },
    ) => Promise<Marker | undefined>
  >;
}

/**
 * ky hooks with the rules of `withTokens`: `beforeRequest` sets the token header in one place, from
 * the manager's current token set at send time, on every attempt (so a retry never carries the old
 * token, however many times the token changed meanwhile, and never overwrites a caller-set header);
 * a retry moved to an origin the policy does not allow (your `beforeRetry`, `ky.retry({ request })`)
 * carries neither our token header nor our `DPoP` proof from the attempt before. `afterResponse`
 * answers a 401 for the token a request carried with `tokens.invalidate(token)` and one forced
 * retry (`ky.retry({ delay: 0 })`),
 * marked so that the retry's own 401 is returned (as ky's `HTTPError`). Stream bodies are not
 * retried. Needs ky ≥ 1.14 and a `retry.limit` ≥ 1 (ky's default is 2).
 *
 * With `senderConstraint` (DPoP), `beforeRequest` also sets a fresh `DPoP` proof for each attempt,
 * `afterResponse` learns every response's `DPoP-Nonce`, and a nonce challenge (401
 * `use_dpop_nonce`) costs one forced retry without refreshing.
 *
 * Redirects are followed by ky's `fetch`, which strips `Authorization` at an origin change: a
 * response it was redirected to from another origin than the request's never invalidates the token
 * nor retries, and a nonce is learned for the origin that answered (if allowed). A token in another
 * `header`, or a DPoP proof, would follow any redirect, so such a request is sent with
 * `redirect: 'error'` unless you set ky's `redirect` option: `beforeRequest` then returns a new
 * `Request`, and ky runs no later `beforeRequest` hook for that attempt (put yours first, or set
 * `redirect` yourself). The hops themselves are the runtime's: wrap the fetch instead
 * (`fetch: withTokens(fetch, tokens)`) when a request must follow redirects, so each hop is checked
 * and gets its own proof.
 *
 * A `beforeRequest` hook of yours that runs after these and returns a new `Request` for another URL
 * (`new Request(otherUrl, request)`) copies the token header there, and ky has no later point to
 * check it at (a 401 from there, an origin the policy does not allow, refreshes nothing, so no
 * next token follows): put such a hook before these (ky then runs none after it: that request goes without
 * a token), or pass `fetch: withTokens(fetch, tokens, options)` to ky instead, which judges the URL
 * ky finally sends.
 *
 * An `afterResponse` hook of yours that runs before these and returns another request's `Response`
 * makes its 401 look like ours (one refresh and retry per `rejectionCooldown`; it cannot be told
 * apart, decision 0903): put such hooks after these (`afterResponse: [...hooks.afterResponse, yours]`).
 *
 * @example
 * // `origins` (or `baseUrl`): ky's `prefixUrl` is not the allowed origin, and Node has no default.
 * const api = ky.create({
 *   prefixUrl: 'https://api.example.com',
 *   hooks: kyHooks(ky, tokens, { origins: 'https://api.example.com' }),
 * });
 */
export function kyHooks<Marker>(
  ky: KyLike<Marker>,
  tokens: TokenManager,
  options: WithTokensOptions = {},
): KyHooks<Marker> {
  if (typeof ky?.retry !== 'function') {
    throw new TypeError('kyHooks(): pass the ky you use (ky ≥ 1.14, which has ky.retry())');
  }
  const settings = tokenSettings(options, 'kyHooks()', tokens.senderConstraint);
  const { header, allows, shouldRefresh, constraint } = settings;
  const custom = header.toLowerCase() !== 'authorization';
  /**
   * Per ky call (its `context`, one object per call that ky keeps across retries): what this hook
   * set on its latest attempt. A header with another value is the caller's. Held only as long as
   * the call, however many tokens it sees (no bounded memory of values to forget).
   */
  const sent = new WeakMap<object, Sent>();
  /**
   * ky calls (by `context`) already replayed, to the token set their replay gets. Not by
   * `options.signal`: ky replaces it after a timeout, and hooks see the new one once a hook returns
   * a `Request`, so a retried replay's 401 looked like a first one (a second refresh and replay).
   */
  const replayed = new WeakMap<object, TokenSet | undefined>();
  /** ky calls (by `context`) whose resource-server nonce challenge was already answered. */
  const nonceReplayed = new WeakSet<object>();

  const beforeRequest = async (request: Request, options: object): Promise<Request | undefined> => {
    const { redirect, context } = options as KyOptions;
    const mine = context && sent.get(context);
    const { headers } = request;
    const present = headers.get(header);
    if (present !== null && present !== mine?.value) return undefined; // the caller's
    if (!allows(request.url, documentBase())) {
      // A retry moved elsewhere (your `beforeRetry`, `ky.retry({ request })`) keeps the headers of
      // the attempt before: neither our token nor our proof goes there.
      if (present !== null) headers.delete(header);
      for (const name in mine?.proofs) if (headers.get(name) === mine.proofs[name]) headers.delete(name);
      return undefined;
    }
    // The replay takes the set its 401 was answered with: another replay's 401 in between (which
    // invalidates that token) must not cost a refresh per request.
    const reserved = context && replayed.get(context);
    if (reserved) replayed.set(context, undefined);
    // The wait follows the request's signal: after a timeout ky retries with a new one, while the
    // options it hands hooks keep the first attempt's (aborted) one.
    const set = reserved ?? (await tokenSet(tokens, request.signal));
    const pending = settings.authorizeRequest(headers, set, request.method, request.url);
    const proofs = pending && (await pending);
    const value = headers.get(header);
    if (context && value !== null) sent.set(context, { value, token: set.accessToken, proofs });
    // ky's fetch strips only Authorization at an origin change: another token header, or a DPoP proof
    // (which names this URL only), must not follow.
    return (custom || constraint) && request.redirect === 'follow' && redirect === undefined
      ? new Request(request, { redirect: 'error' })
      : undefined;
  };

  const afterResponse = async (
    request: Request,
    options: object,
    response: Response,
    state?: { retryCount: number },
  ): Promise<Marker | undefined> => {
    // A response from another origin ky's fetch was redirected to: the runtime stripped the token
    // there (a custom header follows no redirect), so its 401 says nothing about the token. Its
    // nonce is learned if the policy allows that origin.
    const moved =
      response.redirected && new URL(response.url, request.url).origin !== new URL(request.url).origin;
    const { body, retry, context } = options as KyOptions;
    const mine = context && sent.get(context);
    const carried = mine === undefined || request.headers.get(header) !== mine.value ? undefined : mine.token;
    const retryCount = state?.retryCount ?? 0;
    const proof = carried === undefined ? null : request.headers.get('dpop');
    // The origin policy is asked only where an answer would send something again (a nonce replay, a
    // refresh), not on every response: never to an origin it does not allow, where a later `beforeRequest`
    // hook of yours sent the request with our token (documented), nor where ky's fetch was redirected.
    if (constraint && proof !== null && allows(moved ? response.url : request.url, documentBase())) {
      const answered = context ? nonceReplayed.has(context) : retryCount > 0;
      // Where ky's fetch followed a redirect, the nonce is the answering origin's (`response.url`).
      if (constraint.isNonceReplay(response, { DPoP: proof }, !answered && !moved, undefined, request.url)) {
        // One replay with a fresh proof and the same token: beforeRequest builds it; nothing refreshes.
        if (!isReplayableBody(body) || (retry?.limit ?? 2) <= retryCount) return undefined;
        if (context) nonceReplayed.add(context);
        return ky.retry({ delay: 0 });
      }
    }
    // The scheme the token went with: `<scheme> <token>` but ' <token>' (`''` for a bare token).
    if (!shouldRefresh(response, mine?.value.slice(0, ~mine.token.length))) return undefined;
    if (moved || carried === undefined || !allows(request.url, documentBase())) return undefined;
    const isReplay = context ? replayed.has(context) : retryCount > 0;
    tokens.invalidate(carried); // a replay's 401 too: the manager may start a cooldown
    if (isReplay || !isReplayableBody(body)) return undefined;
    if ((retry?.limit ?? 2) <= retryCount) return undefined; // ky would refuse the forced retry
    const next = await tokenSet(tokens, request.signal);
    if (next.accessToken === carried) return undefined; // no other token: the 401 stands
    if (context) replayed.set(context, next);
    return ky.retry({ delay: 0 });
  };

  return { beforeRequest: [beforeRequest], afterResponse: [afterResponse] };
}
