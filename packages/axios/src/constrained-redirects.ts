import type { OriginPolicy } from '@tessera/core';
import type { AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { AxiosError } from './axios-classes.js';
import { BODY_HEADERS, isRedirectStatus, redirectDropsBody, redirectTarget, releaseBody } from './core.js';
import { isReplayableBody } from './is-replayable-body.js';
import { deleteHeader, getHeader } from './request-headers.js';
import { sendAgain } from './send-again.js';

/**
 * The redirects a request may still follow, once Tessera follows them itself. A string key of the
 * config, not a Symbol: axios 1.12–1.17 drops Symbol keys when it merges a config for a request.
 */
const REDIRECTS_LEFT = 'tesseraRedirectsLeft';

type Config = InternalAxiosRequestConfig & { [REDIRECTS_LEFT]?: number };

/**
 * For a sender-constrained (DPoP) send outside browsers: Tessera follows this request's redirects
 * itself instead of follow-redirects, whose synchronous `beforeRedirect` cannot sign a proof, so every
 * hop would carry the first URL's proof and a strict API would refuse it. `maxRedirects: 0` makes
 * the http adapter (and the fetch adapter of newer axios: 1.21 does, 1.12.0 does not) hand the 3xx back; `nextHop` then builds
 * the next request, which goes through the interceptor again: a fresh proof for its own method and
 * URL, and a token only where the origin policy allows. The caller's limit is kept
 * (`maxRedirects`, else follow-redirects' 21). Left alone: a caller's own `maxRedirects: 0` (the 3xx is theirs), a
 * body that cannot be sent twice (follow-redirects keeps what it writes; its hops keep the first
 * proof) and a config already taken over (a replay). Never called in browsers, which follow
 * redirects themselves.
 */
export function takeOverRedirects(config: Config): void {
  if (REDIRECTS_LEFT in config || config.maxRedirects === 0 || !isReplayableBody(config.data)) return;
  config[REDIRECTS_LEFT] = config.maxRedirects ?? 21;
  config.maxRedirects = 0;
}

/**
 * The config of the next hop when `response` is a redirect of a request whose redirects Tessera
 * follows (`takeOverRedirects`), else `undefined`. Where it leads, its method and body and the
 * headers it leaves behind are core's `redirectTarget` (the rule of `followRedirects` too); the
 * credential headers are removed (the interceptor puts a fresh token and proof back where the policy
 * allows), at an origin change also `auth`, and the headers left behind are set to `false`, which
 * axios sends as absent and which wins the merge of the instance's defaults (`Cookie`). From a hop the
 * policy does not allow on, every hop has `skipAuth` (never put back). The body of the 3xx is
 * released (`responseType: 'stream'`: nobody reads it), and the request's `beforeRedirect` runs as
 * follow-redirects would run it (`runBeforeRedirect`).
 *
 * @param from the absolute URL the redirect answered.
 * @param credentials lower-cased: the token header and `dpop`.
 * @throws {AxiosError} `ERR_FR_TOO_MANY_REDIRECTS` past the request's `maxRedirects`, and
 *   `ERR_FR_REDIRECTION_FAILURE` at a `Location` that is not an http(s) URL or when `beforeRedirect`
 *   throws, as follow-redirects ends them (the caller redacts them).
 */
export function nextHop(
  response: AxiosResponse,
  from: (config: InternalAxiosRequestConfig) => string,
  credentials: readonly string[],
  allows: OriginPolicy,
): Config | undefined {
  const config = response.config as Config;
  const left = config[REDIRECTS_LEFT];
  const location = getHeader(response.headers, 'location');
  if (typeof left !== 'number' || !isRedirectStatus(response.status) || typeof location !== 'string') {
    return undefined;
  }
  const fail = (message: string, cause?: unknown, code = 'ERR_FR_REDIRECTION_FAILURE') => {
    const error = new AxiosError(message, code, config, response.request, response);
    if (cause !== undefined) error.cause = cause as Error;
    return error;
  };
  if (left <= 0) throw fail('Maximum number of redirects exceeded', undefined, 'ERR_FR_TOO_MANY_REDIRECTS');
  const next = sendAgain(config);
  const headers = next.headers as unknown as Record<string, unknown>;
  const url = from(config);
  // The credentials go: the interceptor puts a fresh token and proof back where the policy allows.
  for (const name of credentials) deleteHeader(headers, name);
  const to = redirectTarget(location, url, credentials, (name) => {
    deleteHeader(headers, name);
    headers[name] = false; // wins the merge of the instance's defaults (`Cookie`)
    delete next.auth;
  });
  releaseBody({ body: response.data });
  // As follow-redirects ends it (`Unsupported protocol data:`, `Invalid URL`): never the 3xx as the answer.
  if (!to) throw fail('Redirected request failed: location is not an http(s) URL');
  next.url = to.href;
  next[REDIRECTS_LEFT] = left - 1;
  delete next.baseURL; // the hop's URL is absolute
  next.params = null; // and has its own query: not even the instance's default params (null wins the merge)
  // As follow-redirects, whatever `allowAbsoluteUrls` says of request URLs (else axios would put
  // the instance's baseURL in front of the hop's absolute URL).
  next.allowAbsoluteUrls = true;
  if (redirectDropsBody(response.status, config.method ?? 'get')) {
    next.method = 'get';
    next.data = undefined;
    for (const name of BODY_HEADERS) deleteHeader(headers, name);
  }
  // Withheld once, never put back (as follow-redirects and core's followRedirects): bare from here on,
  // also after a hop whose own URL is not allowed (an interceptor after ours changed it: `recheckAtSend`).
  if (config.skipAuth === true || !allows(url, undefined) || !allows(to.href, undefined))
    next.skipAuth = true;
  try {
    runBeforeRedirect(next, response);
  } catch (cause) {
    throw fail(`Redirected request failed: ${(cause as Error | null)?.message ?? cause}`, cause);
  }
  return next;
}

type BeforeRedirect = (
  options: Record<string, unknown>,
  response: { headers: unknown; statusCode: number },
) => void;

/**
 * Runs the request's `beforeRedirect` (the caller's, chained by `guardRedirects`) for a hop Tessera
 * follows, where follow-redirects would have: with the hop's options (`href`, `protocol`,
 * `hostname`, `port`, `path`, `method`, `headers`, what follow-redirects already left out at an
 * origin change left out) and the redirect's `{ headers, statusCode }`. The headers it leaves are the
 * hop's. It throws what the hook throws: a caller's guard against internal hosts stops the redirect.
 */
function runBeforeRedirect(next: Config, response: AxiosResponse): void {
  const hook = next.beforeRedirect as BeforeRedirect | undefined;
  if (typeof hook !== 'function') return;
  const url = new URL(next.url as string);
  const given = Object.entries(next.headers);
  const headers: Record<string, unknown> = {};
  for (const [name, value] of given) if (value !== false && value != null) headers[name] = value;
  const options = {
    href: url.href,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port,
    path: url.pathname + url.search,
    method: (next.method ?? 'get').toUpperCase(),
    headers,
  };
  hook(options, { headers: response.headers, statusCode: response.status });
  const kept = options.headers;
  for (const [name, value] of given) if (value === false && !(name in kept)) kept[name] = false;
  next.headers = kept as Config['headers'];
}
