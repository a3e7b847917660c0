/**
 * Whether this runtime is a browser or one of its workers (a `document`, or `importScripts`):
 * there, fetch follows redirects itself, strips `Authorization` across origins and does not let a
 * caller follow them (`redirect: 'manual'` gives an opaque response), so a transport judges the
 * final `response.url` instead of following hops with `followRedirects`.
 */
export function isBrowserLike(): boolean {
  const scope = globalThis as { document?: unknown; importScripts?: unknown };
  return scope.document !== undefined || typeof scope.importScripts === 'function';
}
