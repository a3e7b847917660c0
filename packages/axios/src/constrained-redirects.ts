import { BODY_HEADERS, isRedirectStatus, redirectDropsBody } from '@tessera/core';
import type { AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { isReplayableBody } from './is-replayable-body.js';
import { deleteHeader, getHeader } from './request-headers.js';
import { sendAgain } from './send-again.js';

/**
 * The redirects a request may still follow, once Tessera follows them itself. A string key of the
 * config, not a Symbol: axios 1.12–1.17 drops Symbol keys when it merges a config for a request.
 */
export const REDIRECTS_LEFT = 'tesseraRedirectsLeft';

/** follow-redirects' default, which axios's http adapter uses when `maxRedirects` is not set. */
const DEFAULT_MAX_REDIRECTS = 21;

/** Never sent on to another origin: what follow-redirects drops when a hop leaves the host, and the proof. */
const LEAVE_AT_ORIGIN_CHANGE = ['authorization', 'proxy-authorization', 'cookie', 'dpop'];

type Config = InternalAxiosRequestConfig & { [REDIRECTS_LEFT]?: number };

/**
 * For a sender-constrained (DPoP) send outside browsers: Tessera follows this request's redirects
 * itself instead of follow-redirects, whose synchronous `beforeRedirect` cannot sign a proof, so every
 * hop would carry the first URL's proof and a strict API would refuse it. `maxRedirects: 0` makes
 * the http adapter (and the fetch adapter of newer axios: 1.21 does, 1.12.0 does not) hand the 3xx back; `nextHop` then builds
 * the next request, which goes through the interceptor again: a fresh proof for its own method and
 * URL, and a token only where the origin policy allows. The caller's limit is kept
 * (`maxRedirects`, else 21). Left alone: a caller's own `maxRedirects: 0` (the 3xx is theirs), a
 * body that cannot be sent twice (follow-redirects keeps what it writes; its hops keep the first
 * proof) and a config already taken over (a replay). Never called in browsers, which follow
 * redirects themselves.
 */
export function takeOverRedirects(config: InternalAxiosRequestConfig): void {
  const target = config as Config;
  if (REDIRECTS_LEFT in target || target.maxRedirects === 0) return;
  if (!isReplayableBody(target.data)) return;
  target[REDIRECTS_LEFT] = target.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  target.maxRedirects = 0;
}

/** Whether `response` is a redirect of a request whose redirects Tessera follows. */
export function isTakenOverRedirect(response: AxiosResponse | undefined): response is AxiosResponse {
  if (!response || typeof (response.config as Config | undefined)?.[REDIRECTS_LEFT] !== 'number')
    return false;
  return (
    isRedirectStatus(response.status) && typeof getHeader(response.headers ?? {}, 'location') === 'string'
  );
}

/** How many more redirects the request of `response` may follow. */
export function redirectsLeft(response: AxiosResponse): number {
  return (response.config as Config)[REDIRECTS_LEFT] ?? 0;
}

/**
 * The config of the hop a taken-over redirect points to, or `undefined` when it cannot be followed
 * (a `Location` that is not an http(s) URL: the caller gets `ERR_FR_REDIRECTION_FAILURE`): its method and body changed as the Fetch standard
 * says (`redirectDropsBody`), the token header and the proof removed (the interceptor puts fresh
 * ones back where the policy allows), and at an origin change also `Authorization`,
 * `Proxy-Authorization`, `Cookie` and `auth`, as follow-redirects does.
 *
 * @param from the absolute URL the redirect answered.
 * @param tokenHeader the header the attachment puts the token in.
 */
export function nextHop(response: AxiosResponse, from: string, tokenHeader: string): Config | undefined {
  let to: URL;
  try {
    to = new URL(String(getHeader(response.headers, 'location')), from);
  } catch {
    return undefined;
  }
  if (to.protocol !== 'http:' && to.protocol !== 'https:') return undefined;
  const config = response.config as Config;
  const next = sendAgain(config);
  const { headers } = next;
  next.url = to.href;
  next[REDIRECTS_LEFT] = redirectsLeft(response) - 1;
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
  deleteHeader(headers, tokenHeader);
  deleteHeader(headers, 'dpop');
  if (to.origin !== new URL(from).origin) {
    for (const name of LEAVE_AT_ORIGIN_CHANGE) {
      deleteHeader(headers, name);
      // `false` keeps an instance default (`defaults.headers.common.Cookie`) from being merged back in.
      if (name !== 'dpop' && name !== tokenHeader.toLowerCase())
        (headers as Record<string, unknown>)[name] = false;
    }
    delete next.auth;
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
export function runBeforeRedirect(next: Config, response: AxiosResponse): void {
  const hook = next.beforeRedirect as BeforeRedirect | undefined;
  if (typeof hook !== 'function') return;
  const url = new URL(next.url as string);
  const given = Object.entries(next.headers ?? {});
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

/** Frees the body of a redirect that is not handed to anyone: a Node stream or a web `ReadableStream`. */
export function releaseBody(data: unknown): void {
  const body = data as { destroy?: unknown; cancel?: unknown } | null | undefined;
  if (typeof body?.destroy === 'function') (body.destroy as () => void)();
  else if (typeof body?.cancel === 'function') (body.cancel as () => Promise<void>)().catch(() => undefined);
}
