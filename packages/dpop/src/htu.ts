import { documentBase } from './core.js';

/**
 * The `htu` claim (RFC 9449 §4.2) of a request: the URL as sent on the wire, resolved against
 * `base`, without query and fragment. The WHATWG URL parser (the one `fetch` uses) removes default
 * ports, lowercases the host and percent-encodes the path exactly as the request line carries it.
 *
 * @throws {TypeError} when `url` is not a valid absolute URL and no `base` resolves it.
 */
export function toHtu(url: string | URL, base?: string): string {
  const parsed = new URL(url, base);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

/**
 * Resolves a request URL as `fetch` does: against the document's base URL in a browser (a `<base>`
 * element's, not the page's own), `location.href` in a worker; absolute only in Node (core's `documentBase`).
 */
export function resolveUrl(url: string | URL): URL {
  return new URL(url, documentBase());
}

const NORMALIZED = /^(delete|get|head|options|post|put)$/i;

/**
 * The `htm` claim: the method as `fetch` sends it. Fetch uppercases only DELETE, GET, HEAD,
 * OPTIONS, POST and PUT (Fetch standard, "normalize a method"); `patch` goes out as `patch`.
 */
export function toHtm(method: string): string {
  return NORMALIZED.test(method) ? method.toUpperCase() : method;
}
