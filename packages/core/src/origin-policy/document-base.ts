/**
 * The URL relative request URLs resolve against: the document's base URL in a browser
 * (`document.baseURI`, else `location.href` in a worker), none in Node.
 */
export function documentBase(): string | undefined {
  const scope = globalThis as { document?: { baseURI?: unknown }; location?: { href?: unknown } };
  const base = scope.document?.baseURI ?? scope.location?.href;
  return typeof base === 'string' ? base : undefined;
}
