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

/**
 * `url` with the value of every credential parameter of its query replaced by `[REDACTED]`, so a log
 * never holds one; the rest is kept as sent. A name is judged as a server reads it, form-decoded
 * (`access%5Ftoken` is `access_token`), and without regard to case, so the rule can only redact more
 * than a server would accept, never less. A value (form-decoded; a bare `?<value>` too) in `secrets`
 * (what the server issued or knows) is redacted whatever its name, if it has 8 characters or more (NIST SP 800-63B's
 * least for a password): a test password `1` must not hide `?page=1`. It decides nothing about what the API accepts.
 */
export function withoutQuerySecrets(url: string, secrets: ReadonlySet<string> = new Set()): string {
  const hash = url.indexOf('#');
  const end = hash < 0 ? url.length : hash;
  const start = url.indexOf('?');
  if (start < 0 || start > end) return url;
  const pairs = url
    .slice(start + 1, end)
    .split('&')
    .map((pair) => {
      const [name, value] = decoded(pair);
      const known = (text: string) => text.length > 7 && secrets.has(text);
      const equals = pair.indexOf('=');
      if (equals < 0) return known(name) ? '[REDACTED]' : pair;
      return SECRET_NAMES.has(name.toLowerCase()) || known(value)
        ? `${pair.slice(0, equals)}=[REDACTED]`
        : pair;
    });
  return `${url.slice(0, start + 1)}${pairs.join('&')}${url.slice(end)}`;
}

/** The name and value as a form parser reads them (`+` a space, lenient percent-decoding). */
function decoded(pair: string): [name: string, value: string] {
  const [entry = ['', '']] = new URLSearchParams(pair);
  return entry;
}
