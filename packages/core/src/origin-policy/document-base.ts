import { parseOrigin } from './parse-origin.js';

/**
 * The URL relative request URLs resolve against: the document's base URL in a browser
 * (`document.baseURI`, else `location.href` in a worker), none in Node.
 */
export function documentBase(): string | undefined {
  const scope = globalThis as { document?: { baseURI?: unknown }; location?: { href?: unknown } };
  const base = scope.document?.baseURI ?? scope.location?.href;
  return typeof base === 'string' ? base : undefined;
}

/**
 * The URL the page's origin comes from: its own (`location.href`, in a window or a worker), which a
 * `<base>` element never changes, unlike `documentBase`. An `about:srcdoc` or `about:blank` page
 * has no origin of its own in its URL (it has its creator's): there, and in Node, `documentBase`.
 */
export function pageUrl(documentBase: string | undefined): string | undefined {
  const href = (globalThis as { location?: { href?: unknown } }).location?.href;
  return typeof href === 'string' && parseOrigin(href) ? href : documentBase;
}
