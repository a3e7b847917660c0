/**
 * The origin of `url` resolved against `base` with the WHATWG URL parser (what fetch, XHR and
 * axios's http adapter use), or `undefined` when it does not parse to an absolute URL with a
 * tuple origin (a relative URL in Node, `data:`, `file:`…). With `noUserInfo`, also `undefined` for
 * a URL with credentials of its own (`https://user:pass@…`): the runtime sends those instead of a
 * token (axios's http adapter as Basic, replacing `Authorization`; fetch refuses such a URL).
 */
export function parseOrigin(url: string, base?: string, noUserInfo?: boolean): string | undefined {
  try {
    const { origin, username, password } = new URL(url, base);
    return origin === 'null' || (noUserInfo && (username || password)) ? undefined : origin;
  } catch {
    return undefined;
  }
}

/**
 * Whether `url` starts with exactly `origin` (a serialised origin such as `https://api.example.com`)
 * followed by `/`. Such a URL has that origin — the parser ends the authority at the first `/`, and
 * a serialised origin parses to itself — so the common case needs no parsing. `false` means
 * "parse to know", not "another origin".
 */
export function startsWithOrigin(url: string, origin: string): boolean {
  return url.charCodeAt(origin.length) === 47 && url.startsWith(origin);
}
