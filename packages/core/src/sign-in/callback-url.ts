/**
 * The parameters of an authorization response: removed from the address bar once read, and refused in the
 * redirect URI's query (`createSignIn`).
 */
export const CALLBACK_PARAMS = [
  'code',
  'state',
  'iss',
  'session_state',
  'error',
  'error_description',
  'error_uri',
];

/**
 * The places parameters can sit in a URL: the query (its `URLSearchParams`, no route), then the hash
 * (`#/route?a=b`, `#a=b`, `#/a=b`) with the hash route before the parameters (`/cb` in `#/cb?code=…`).
 */
function sourcesOf(url: URL): [params: URLSearchParams, route?: string][] {
  const sources: [URLSearchParams, string?][] = [[url.searchParams]];
  const hash = url.hash.slice(1);
  const question = hash.indexOf('?');
  if (question >= 0) {
    sources.push([new URLSearchParams(hash.slice(question + 1)), hash.slice(0, question)]);
  } else if (hash.includes('=')) {
    const route = hash.startsWith('/') ? '/' : '';
    sources.push([new URLSearchParams(hash.slice(route.length)), route]);
  }
  return sources;
}

/** Whether `params` is an authorization response: it has a `code` or an `error`. */
const isResponse = (params: URLSearchParams): boolean => params.has('code') || params.has('error');

/** Whether `params` has an authorization response parameter. */
const hasCallbackParam = (params: URLSearchParams): boolean =>
  CALLBACK_PARAMS.some((name) => params.has(name));

/**
 * The authorization response parameters in `url`, wherever a router put them: `/cb?code=…`,
 * `/?code=…#/route`, `/#/cb?code=…` or `/#/code=…`. Parsing does not depend on the `response_mode`.
 * `undefined` when no part of the URL has a `code` or an `error`.
 */
export function callbackParamsOf(url: URL): URLSearchParams | undefined {
  return sourcesOf(url).find(([params]) => isResponse(params))?.[0];
}

/**
 * Whether `url` carries an authorization response parameter more than once (`?code=a&code=b`), which
 * RFC 6749 §3.1 forbids: parsers disagree on which copy counts; or response parameters in both the query
 * and the hash (`?code=a#code=b`, `?state=s#/route?state=t`, `?code=a&state=s#error=x`): a response is in one
 * of them, never in both, whatever the `response_mode`, so which part counts would be a guess (decisions
 * 1103, 1106). The app's own parameters may repeat.
 */
export function hasRepeatedParam(url: URL): boolean {
  const parts = sourcesOf(url).filter(([params]) => hasCallbackParam(params));
  return parts.length > 1 || CALLBACK_PARAMS.some((name) => (parts[0]?.[0].getAll(name).length ?? 0) > 1);
}

/**
 * Whether `url` is the redirect URI: same origin and path, or a hash route with the redirect URI's path (it
 * has no fragment: `createSignIn` refuses one). A response only inside another hash route (`/#/verify?code=…`, the root as redirect URI) is that route's.
 */
export function isRedirectTarget(url: URL, redirectUri: URL): boolean {
  if (url.origin !== redirectUri.origin) return false;
  const route = sourcesOf(url)[1]?.[1] ?? '';
  if (route.length > 1 && route === redirectUri.pathname) return true;
  return url.pathname === redirectUri.pathname && (route.length < 2 || isResponse(url.searchParams));
}

/** `url` without the callback parameters; other parameters and the hash route stay. */
export function withoutCallbackParams(url: URL): URL {
  const clean = new URL(url.href);
  const [, hashed] = sourcesOf(clean);
  const query = clean.searchParams;
  // Only when there is one to remove: `delete` re-serialises the query.
  if (hasCallbackParam(query)) for (const name of CALLBACK_PARAMS) query.delete(name);
  if (hashed && hasCallbackParam(hashed[0])) {
    const [params, route] = hashed;
    for (const name of CALLBACK_PARAMS) params.delete(name);
    const rest = params.toString();
    clean.hash = clean.hash.includes('?') ? `${route}${rest ? `?${rest}` : ''}` : `${route}${rest}`;
  }
  return clean;
}
