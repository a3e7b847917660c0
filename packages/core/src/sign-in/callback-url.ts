/** The parameters of an authorization response that are removed from the address bar once read. */
const CALLBACK_PARAMS = ['code', 'state', 'iss', 'session_state', 'error', 'error_description', 'error_uri'];

/** One place parameters can sit in a URL: the query, or the hash (`#/route?a=b`, `#a=b`, `#/a=b`). */
interface ParamSource {
  params: URLSearchParams;
  /** The hash route before the parameters (`/cb` in `#/cb?code=…`), or `undefined` for the query. */
  route: string | undefined;
}

function sourcesOf(url: URL): ParamSource[] {
  const sources: ParamSource[] = [{ params: url.searchParams, route: undefined }];
  const hash = url.hash.slice(1);
  const question = hash.indexOf('?');
  if (question >= 0) {
    sources.push({ params: new URLSearchParams(hash.slice(question + 1)), route: hash.slice(0, question) });
  } else if (hash.includes('=')) {
    const route = hash.startsWith('/') ? '/' : '';
    sources.push({ params: new URLSearchParams(hash.slice(route.length)), route });
  }
  return sources;
}

/**
 * The authorization response parameters in `url`, wherever a router put them: `/cb?code=…`,
 * `/?code=…#/route`, `/#/cb?code=…` or `/#/code=…`. Parsing does not depend on the `response_mode`.
 * `undefined` when no part of the URL has a `code` or an `error`.
 */
export function callbackParamsOf(url: URL): URLSearchParams | undefined {
  return sourcesOf(url).find(({ params }) => params.has('code') || params.has('error'))?.params;
}

/**
 * Whether `url` carries an authorization response parameter more than once (`?code=a&code=b`), which
 * RFC 6749 §3.1 forbids: parsers disagree on which copy counts; or response parameters in both the query
 * and the hash (`?code=a#code=b`, `?state=s#/route?state=t`, `?code=a&state=s#error=x`): a response is in one
 * of them, never in both, whatever the `response_mode`, so which part counts would be a guess (decisions
 * 1103, 1106). The app's own parameters may repeat.
 */
export function hasRepeatedParam(url: URL): boolean {
  const parts = sourcesOf(url).filter(({ params }) => CALLBACK_PARAMS.some((name) => params.has(name)));
  return parts.length > 1 || CALLBACK_PARAMS.some((name) => (parts[0]?.params.getAll(name).length ?? 0) > 1);
}

/** Whether `url` is the redirect URI: same origin and path, or a hash route with the redirect URI's path. */
export function isRedirectTarget(url: URL, redirectUri: URL): boolean {
  if (url.origin !== redirectUri.origin) return false;
  if (url.pathname === redirectUri.pathname) return true;
  const route = sourcesOf(url)[1]?.route;
  return route !== undefined && route.length > 1 && route === redirectUri.pathname;
}

/** `url` without the callback parameters; other parameters and the hash route stay. */
export function withoutCallbackParams(url: URL): URL {
  const clean = new URL(url.href);
  const [query, hashed] = sourcesOf(clean);
  if (query && CALLBACK_PARAMS.some((name) => query.params.has(name))) {
    for (const name of CALLBACK_PARAMS) clean.searchParams.delete(name);
  }
  if (hashed && CALLBACK_PARAMS.some((name) => hashed.params.has(name))) {
    for (const name of CALLBACK_PARAMS) hashed.params.delete(name);
    const rest = hashed.params.toString();
    const question = clean.hash.includes('?');
    clean.hash = question ? `${hashed.route}${rest ? `?${rest}` : ''}` : `${hashed.route}${rest}`;
  }
  return clean;
}
