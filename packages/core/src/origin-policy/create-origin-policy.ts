import { pageUrl } from './document-base.js';
import { parseOrigin, startsWithOrigin } from './parse-origin.js';

/** An exact origin (`https://api.example.com`) or a RegExp anchored with `^` and `$`, tested against the origin. */
export type OriginRule = string | RegExp;

/** Which origins receive the token: one rule or a list of them. */
export type AllowedOrigins = OriginRule | readonly OriginRule[];

/**
 * Whether a request to `url` (possibly relative) may carry the token, given the URL relative ones
 * resolve against (`documentBase`: the page in a browser, none in Node). Used by `@tessera/axios`
 * and `@tessera/fetch` for every send and every redirect hop.
 */
export type OriginPolicy = (url: string, documentBase: string | undefined) => boolean;

/**
 * Builds the origin check, the one implementation both transports use. With `origins`, a URL's
 * parsed origin must equal one of the exact origins or match one of the RegExps. Without, it must
 * equal the origin of `baseURL()` (read per call, parsed when it changes) resolved against the
 * page — or, with no `baseURL`, the page's origin (`location`'s: a `<base>` element pointing
 * elsewhere moves where relative URLs go, never where the token may go); in Node with neither,
 * nothing is allowed. Never a substring test on the URL string. A URL with user info
 * (`https://user:pass@…`) is never allowed: it brings credentials of its own (like axios's `auth`).
 *
 * @throws {TypeError} an `origins` entry is not an origin, or a RegExp is not anchored or has an unescaped `.` before a letter or digit.
 */
export function createOriginPolicy(
  origins: AllowedOrigins | undefined,
  baseURL: () => string | undefined,
): OriginPolicy {
  if (origins === undefined) return defaultPolicy(baseURL);
  const exact: string[] = [];
  const patterns: RegExp[] = [];
  for (const rule of Array.isArray(origins) ? (origins as readonly OriginRule[]) : [origins as OriginRule]) {
    if (rule instanceof RegExp) patterns.push(anchored(rule));
    else exact.push(originOf(rule));
  }
  return (url, documentBase) => {
    if (exact.some((origin) => startsWithOrigin(url, origin))) return true;
    const origin = parseOrigin(url, documentBase, true);
    return !!origin && (exact.includes(origin) || patterns.some((pattern) => pattern.test(origin)));
  };
}

/**
 * The origin of the instance's `baseURL` (read on each request, parsed when it changes), else the
 * page's, both resolved against the page's own URL, not the document base: an injected
 * `<base href="https://evil.test/">` sends relative URLs there, and they then get no token.
 */
function defaultPolicy(baseURL: () => string | undefined): OriginPolicy {
  let cachedBase: string | undefined;
  let cachedPage: string | undefined;
  let allowed: string | undefined;
  return (url, documentBase) => {
    const base = baseURL();
    if (base !== cachedBase || documentBase !== cachedPage) {
      cachedBase = base;
      cachedPage = documentBase;
      const page = pageUrl(documentBase); // read only when the base or the document base changed
      // Neither (Node): `page` is undefined too, and `new URL(undefined)` does not parse: no origin.
      allowed = parseOrigin((base ?? page) as string, page);
    }
    return !!allowed && (startsWithOrigin(url, allowed) || parseOrigin(url, documentBase, true) === allowed);
  };
}

/** Normalises `https://API.example.com:443/` to `https://api.example.com`; rejects anything with a path. */
function originOf(rule: string): string {
  let url: URL;
  try {
    url = new URL(rule);
  } catch {
    throw new TypeError(`origins: "${rule}" is not an origin such as https://api.example.com`);
  }
  // A path other than `/`, a query, a fragment or user info: the parts are empty but for `/`.
  if (url.origin === 'null' || url.pathname + url.search + url.hash + url.username + url.password !== '/') {
    throw new TypeError(
      `origins: "${url.origin}…" must be an origin only (scheme, host, port) such as https://api.example.com; paths are not matched`,
    );
  }
  return url.origin;
}

/**
 * Rejects unanchored patterns (`/example\.com/` also matches `https://example.com.evil.test`), and
 * anchors the whole pattern again: `^a|b$` alone is "starts with a, or ends with b", so
 * `/^https:\/\/api\.example\.com|…$/` would match `https://api.example.com.evil.test`. Rejects a `.`
 * meant as a dot (`api.example`: any character, so `https://api-example.com`, a domain anyone can
 * register); `.*`, `.+`, `\.` and `[.]` are left alone.
 */
function anchored(pattern: RegExp): RegExp {
  // `^`, then anything ending in another character than `\` (`\$` is a literal `$`), then `$`.
  if (!/^\^(.*[^\\])?\$$/s.test(pattern.source)) {
    throw new TypeError(
      `origins: ${pattern} must be anchored with ^ and $, e.g. /^https:\\/\\/[a-z]+\\.example\\.com$/; it is tested against the origin only`,
    );
  }
  // An unescaped `.` before a letter or digit, outside `[…]`: `/^https:\/\/api.example.com$/` matches `https://api-example.com`.
  if (/\.[a-z\d]/i.test(pattern.source.replace(/\\.|\[(?:\\.|[^\]\\])*\]/gs, '_'))) {
    throw new TypeError(`origins: ${pattern} has a "." that matches any character; write \\. for a dot`);
  }
  return new RegExp(`^(?:${pattern.source})$`, pattern.flags.replace(/[gy]/g, ''));
}
