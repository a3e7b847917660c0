import type { TokenSet } from '../token-set.js';
import { authorizationScheme } from './authorization-scheme.js';
import { TOKEN } from './check-header-name.js';

/**
 * `headers.set(name, value)` as fetch's `Headers` does it, with a `TypeError` that quotes neither the
 * value nor the name where `Headers` would quote the value (a token): the check of every value a
 * transport puts in an auth header, before any send.
 *
 * @throws {TypeError} `value` cannot be sent in a header (CR, LF, NUL, a character above U+00FF).
 */
export function putHeader(headers: Headers, name: string, value: string, where: string): void {
  try {
    headers.set(name, value);
  } catch {
    throw new TypeError(`${where}: the token set's scheme and token cannot be sent in a header`);
  }
}

/**
 * The value of the token header `header` for a token set: `<scheme> <token>` (the bare token when
 * `scheme` is `''`; no `scheme`: the set's, by `authorizationScheme`), built and checked
 * (`putHeader`) once, and rebuilt when the token or its type differ (another set, or fields changed
 * in place): a set is attached to many requests (decision 0019), and compared with the last one's
 * strings there is nothing to look up or allocate.
 *
 * @throws {TypeError} at once, `scheme` is neither `''` nor an auth scheme (RFC 9110 §11.1: `' Bearer'`, which
 *   axios would send trimmed, or `'Bearer:'`); at a set, the value cannot be sent in a header (the message
 *   quotes neither the token nor the scheme).
 */
export function headerValues(
  header: string,
  scheme: string | undefined,
  where: string,
): (set: TokenSet) => string {
  if (scheme !== undefined && (typeof scheme !== 'string' || (scheme !== '' && !TOKEN.test(scheme)))) {
    throw new TypeError(`${where}: scheme must be '' or an auth scheme such as "Bearer"`);
  }
  let token: string | undefined;
  let type: string | undefined;
  let value = '';
  return (set) => {
    if (token === set.accessToken && type === set.tokenType) return value;
    const prefix = scheme ?? authorizationScheme(set.tokenType);
    const next = prefix === '' ? set.accessToken : `${prefix} ${set.accessToken}`;
    putHeader(new Headers(), header, next, where);
    token = set.accessToken;
    type = set.tokenType;
    value = next;
    return next;
  };
}
