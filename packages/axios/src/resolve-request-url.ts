/** The parts of an axios request config that decide where it goes. */
export interface RequestTarget {
  url?: string | undefined;
  baseURL?: string | undefined;
  allowAbsoluteUrls?: boolean | undefined;
}

/** axios's test for an absolute URL: `scheme://…` or protocol-relative `//…`. */
const ABSOLUTE_URL = /^([a-z][a-z\d+\-.]*:)?\/\//i;

/**
 * The URL an axios adapter will send `config` to, as a string combined the way axios does it
 * (`buildFullPath`): an absolute `url` wins over `baseURL` unless `allowAbsoluteUrls` is false.
 * Query parameters never change the origin, so they are left out. May still be relative (no
 * `baseURL`): adapters resolve it against the document in a browser.
 */
export function resolveRequestUrl(config: RequestTarget): string {
  const url = typeof config.url === 'string' ? config.url : '';
  const { baseURL } = config;
  if (!baseURL || (ABSOLUTE_URL.test(url) && config.allowAbsoluteUrls !== false)) return url;
  if (!url) return baseURL;
  // axios's combineURLs: `baseURL` without trailing slashes + `/` + `url` without leading slashes.
  let end = baseURL.length;
  while (end > 0 && baseURL.charCodeAt(end - 1) === 47) end -= 1;
  return `${baseURL.slice(0, end)}/${url.replace(/^\/+/, '')}`;
}

/** The URL relative request URLs resolve against: the document's base URL in a browser, none in Node. */
export function documentBase(): string | undefined {
  const scope = globalThis as { document?: { baseURI?: unknown }; location?: { href?: unknown } };
  const base = scope.document?.baseURI ?? scope.location?.href;
  return typeof base === 'string' ? base : undefined;
}
