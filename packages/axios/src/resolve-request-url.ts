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
 *   `allowAbsoluteUrls` is false (a falsy non-boolean such as `''`: 1.12 combines, later versions
 *   do not, so both). A `URL` object cannot be combined (axios throws); it is absolute where
 *   `isAbsoluteURL` tests its string (`urlObjects: true`, axios 1.12), never where it tests strings only (1.21).
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
  urlObjects = legacy,
): string | readonly string[] | undefined {
  const url = textOf(config.url);
  const baseURL = textOf(config.baseURL);
  if (url === undefined || baseURL === undefined) return undefined;
  if (!baseURL) return url;
  // axios 1.21 tests only strings; 1.7 and 1.12 stringify a URL object (`urlObjects`).
  const absolute = (urlObjects || typeof config.url === 'string') && ABSOLUTE_URL.test(url);
  const flag = config.allowAbsoluteUrls;
  // axios 1.12 tests `allowAbsoluteUrls == false`, later versions `=== false`: a falsy
  // non-boolean ('', 0, '0') may send either way, so both must be allowed.
  const either = absolute && !legacy && flag !== false && flag != null && +flag === 0;
  if (absolute && !either && (legacy || flag !== false)) return url;
  if (!url) return baseURL;
  // axios calls string methods on both: a URL object here makes it throw, so nothing is sent
  // (of a loose flag's two ways, only the absolute `url` can send).
  if (typeof config.url !== 'string' || typeof config.baseURL !== 'string') return either ? url : undefined;
  const modern = combine(baseURL, url, /\/+$/);
  // axios 1.7 strips at most two trailing slashes of baseURL, later versions all of them.
  const old = combine(baseURL, url, /\/?\/$/);
  const sent = !baseURL.endsWith('//') ? modern : legacy ? old : [modern, old];
  return either ? [url, sent].flat() : sent;
}

/**
 * A string, a `URL` as axios reads it (`String(url)`: its adapters and `isAbsoluteURL` coerce it,
 * so a subclass's `toString` counts, never an `href` getter that says otherwise), `''` for nothing;
 * `undefined` for anything else.
 */
function textOf(value: unknown): string | undefined {
  if (value === undefined || value === null || typeof value === 'string') return value ?? '';
  return value instanceof URL ? String(value) : undefined;
}

/** axios's combineURLs: `baseURL` without (some) trailing slashes + `/` + `url` without leading slashes. */
function combine(baseURL: string, url: string, trailing: RegExp): string {
  return `${baseURL.replace(trailing, '')}/${url.replace(/^\/+/, '')}`;
}
