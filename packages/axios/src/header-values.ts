import type { TokenSet } from '@tessera/core';
import { authorizationScheme } from './core.js';

/**
 * `<scheme> <token>` (or the bare token when `scheme` is `''`) for a token set, built once and rebuilt
 * when the token or its type differ (another set, or fields changed in place): a set is attached to
 * many requests (decision 0019), and compared with the last one's strings there is nothing to look up.
 */
export function headerValues(scheme: string | undefined): (set: TokenSet) => string {
  let token: string | undefined;
  let type: string | undefined;
  let value = '';
  return (set) => {
    if (token === set.accessToken && type === set.tokenType) return value;
    [token, type] = [set.accessToken, set.tokenType];
    const prefix = scheme ?? authorizationScheme(type);
    value = prefix === '' ? token : `${prefix} ${token}`;
    return value;
  };
}
