/** One challenge of a `WWW-Authenticate` header (RFC 9110 §11.6.1). */
export interface AuthChallenge {
  /** The auth scheme, lower-cased, e.g. `bearer`. */
  scheme: string;
  /**
   * Auth parameters by lower-cased name, values unquoted, e.g. `{ error: 'invalid_token' }`. A name
   * given twice in one challenge (RFC 9110 §11.2 forbids it) keeps its last value, as `JSON.parse`
   * keeps a key's; a `__proto__` parameter is dropped (never the object's prototype).
   */
  params: Record<string, string>;
}

/** A token (RFC 9110 §5.6.2), and `/`: then every token68 character is one too (see below). */
const TOKEN = /[!#$%&'*+\-./^_`|~0-9A-Za-z]+/y;
const TOKEN68 = /[A-Za-z0-9\-._~+/]+=*[ \t]*(?=,|$)/y;
const SPACES = /[ \t]*/y;

/**
 * Parses a `WWW-Authenticate` value, which may hold several challenges separated by commas
 * (`Basic realm="a, b", Bearer error="invalid_token"`). Tolerant: malformed parts are skipped, and
 * a quoted string is never read as schemes. Linear in the header's length, whatever it holds: a
 * token68 credential is tried only after a scheme, and where it fails, the token read next covers
 * every character it looked at, so no character is looked at by two failed tries.
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let current: AuthChallenge | undefined;
  let at = 0;
  const match = (pattern: RegExp): string | undefined => {
    pattern.lastIndex = at;
    const found = pattern.exec(header);
    if (!found) return undefined;
    at = pattern.lastIndex;
    return found[0];
  };
  while (at < header.length) {
    const char = header[at];
    if (char === '"') {
      readQuoted(); // a quoted string out of place: skipped whole
      continue;
    }
    const name = match(TOKEN);
    if (name === undefined) {
      at += 1; // a comma, a space, or not a token character: skip it
      continue;
    }
    match(SPACES);
    if (header[at] === '=' && current) {
      at += 1;
      match(SPACES);
      current.params[name.toLowerCase()] = header[at] === '"' ? readQuoted() : (match(TOKEN) ?? '');
      continue;
    }
    current = { scheme: name.toLowerCase(), params: {} };
    challenges.push(current);
    match(TOKEN68); // a token68 credential (e.g. `Negotiate abc==`) carries no parameters
  }
  return challenges;

  function readQuoted(): string {
    let value = '';
    at += 1;
    while (at < header.length && header[at] !== '"') {
      if (header[at] === '\\') at += 1;
      value += header[at] ?? '';
      at += 1;
    }
    at += 1;
    return value;
  }
}
