/**
 * Query parameters whose values are credentials: RFC 6750 §2.3's `access_token` and every other
 * token, code, verifier, assertion, secret or password a client could put in a URL by mistake.
 */
const SECRET_NAMES = new Set([
  'access_token',
  'refresh_token',
  'id_token',
  'token',
  'code',
  'code_verifier',
  'client_secret',
  'client_assertion',
  'assertion',
  'password',
]);

const KEY = Symbol.for('@tessera/testing: known secrets');

/**
 * Every credential a server of this test run issued (tokens, refresh tokens, ID tokens, codes) or was
 * given (client secrets, passwords). One set for every server and for `failUnhandledRequest` and
 * `serveHandlers`, which know no server: on `globalThis`, so both entries of the package (and an ESM and a
 * CJS copy) share it. Never emptied: a token issued before `reset()`, or by another server, may be sent.
 */
const shared = globalThis as unknown as Record<symbol, Set<string> | undefined>;
export const knownSecrets: Set<string> = shared[KEY] ?? new Set();
shared[KEY] = knownSecrets;

/**
 * `url` with every credential it carries replaced by `[REDACTED]`, so a log never holds one; the rest
 * is kept as sent. In the query, the value of every credential parameter: a name is judged as a server
 * reads it, form-decoded (`access%5Ftoken` is `access_token`), and without regard to case, so the rule
 * can only redact more than a server would accept, never less. Anywhere (a query value, form-decoded; a
 * bare `?<value>`; a path segment, percent-decoded, as in `/users/<token>`), a value in `secrets` (what
 * the server issued or knows), if it has 8 characters or more (NIST SP 800-63B's least for a password):
 * a test password `1` must not hide `?page=1` or `/page/1`. It decides nothing about what the API accepts.
 */
export function withoutUrlSecrets(url: string, secrets: ReadonlySet<string> = knownSecrets): string {
  const known = (text: string): boolean => text.length > 7 && secrets.has(text);
  const hash = url.indexOf('#');
  const end = hash < 0 ? url.length : hash;
  const query = url.indexOf('?');
  const start = query < 0 || query > end ? end : query;
  const path = url.indexOf('/', url.indexOf('//') + 2);
  const from = path < 0 || path > start ? start : path;
  const segments = url
    .slice(from, start)
    .split('/')
    .map((segment) => (known(percentDecoded(segment)) ? '[REDACTED]' : segment));
  const pairs = url
    .slice(start + 1, end)
    .split('&')
    .map((pair) => {
      const [name, value] = decoded(pair);
      const equals = pair.indexOf('=');
      if (equals < 0) return known(name) ? '[REDACTED]' : pair;
      return SECRET_NAMES.has(name.toLowerCase()) || known(value)
        ? `${pair.slice(0, equals)}=[REDACTED]`
        : pair;
    });
  const search = start < end ? `?${pairs.join('&')}` : '';
  return `${url.slice(0, from)}${segments.join('/')}${search}${url.slice(end)}`;
}

/** A path segment as a server routes it; one with a bad `%` escape as written. */
function percentDecoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The name and value as a form parser reads them (`+` a space, lenient percent-decoding). */
function decoded(pair: string): [name: string, value: string] {
  const [entry = ['', '']] = new URLSearchParams(pair);
  return entry;
}
