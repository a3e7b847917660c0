/** The parts of an axios request config that decide where it goes. */
export interface RequestTarget {
  url?: unknown;
  baseURL?: unknown;
  allowAbsoluteUrls?: boolean | undefined;
}

/** axios's test for an absolute URL: `scheme://…` or protocol-relative `//…`. */
const ABSOLUTE_URL = /^([a-z][a-z\d+\-.]*:)?\/\//i;

/**
 * Where an axios adapter will send `config`, combined the way that axios version's `buildFullPath`
 * does it. Query parameters (`params`) are appended after `?` and never change the origin, so they
 * are left out.
 *
 * - axios ≥ 1.8 (`legacy: false`): an absolute string `url` wins over `baseURL` unless
 *   `allowAbsoluteUrls` is false; a `URL` object is never absolute and cannot be combined (axios throws).
 * - axios 1.7 (`legacy: true`): `allowAbsoluteUrls` does not exist; a `URL` object counts as absolute.
 *
 * Returns a URL string (possibly relative: adapters resolve it against the document in a browser),
 * or several when versions of the same branch disagree (a `baseURL` ending in `//`): all must be
 * allowed. `undefined` when the destination cannot be known (a `url` or `baseURL` that is neither
 * a string nor a `URL`, or a combination axios itself rejects): such a request gets no token.
 */
export function resolveRequestUrl(
  config: RequestTarget,
  legacy = false,
): string | readonly string[] | undefined {
  const { url, baseURL } = config;
  if (typeof url === 'string' && typeof baseURL === 'string') {
    // The common case, cheap: one test, one concatenation.
    if (!baseURL) return url;
    const absolute = ABSOLUTE_URL.test(url);
    if (absolute && (legacy || config.allowAbsoluteUrls !== false)) return url;
    if (!url) return baseURL;
    return combined(baseURL, url, legacy);
  }
  return resolveUnusual(url, baseURL, config.allowAbsoluteUrls, legacy);
}

function resolveUnusual(
  url: unknown,
  baseURL: unknown,
  allowAbsoluteUrls: boolean | undefined,
  legacy: boolean,
): string | readonly string[] | undefined {
  const empty = (value: unknown): boolean => value === undefined || value === null || value === '';
  if (!empty(url) && typeof url !== 'string' && !(url instanceof URL)) return undefined;
  if (!empty(baseURL) && typeof baseURL !== 'string' && !(baseURL instanceof URL)) return undefined;
  const urlText = url instanceof URL ? url.href : typeof url === 'string' ? url : '';
  const absolute = legacy || typeof url === 'string' ? ABSOLUTE_URL.test(urlText) : false;
  if (empty(baseURL) || (absolute && (legacy || allowAbsoluteUrls !== false))) {
    return url instanceof URL || typeof url === 'string' ? urlText : '';
  }
  const baseText = baseURL instanceof URL ? baseURL.href : (baseURL as string);
  if (!urlText) return baseText;
  // axios calls string methods on both: a URL object here makes it throw, so nothing is sent.
  if (url instanceof URL || baseURL instanceof URL) return undefined;
  return combined(baseText, urlText, legacy);
}

function combined(baseURL: string, url: string, legacy: boolean): string | readonly string[] {
  const modern = combine(baseURL, url);
  if (!baseURL.endsWith('//')) return modern;
  return legacy ? combineOld(baseURL, url) : [modern, combineOld(baseURL, url)];
}

/** axios's combineURLs: `baseURL` without trailing slashes + `/` + `url` without leading slashes. */
function combine(baseURL: string, url: string): string {
  let end = baseURL.length;
  while (end > 0 && baseURL.charCodeAt(end - 1) === 47) end -= 1;
  return `${baseURL.slice(0, end)}/${url.replace(/^\/+/, '')}`;
}

/** axios 1.7's combineURLs: strips at most two trailing slashes. */
function combineOld(baseURL: string, url: string): string {
  return `${baseURL.replace(/\/?\/$/, '')}/${url.replace(/^\/+/, '')}`;
}
