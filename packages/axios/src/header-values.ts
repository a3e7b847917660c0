import type { TokenSet } from '@tessera/core';
import { authorizationScheme } from './core.js';

/**
 * `<scheme> <token>` (or the bare token when `scheme` is `''`) for a token set, built once per set and
 * rebuilt if the set's fields were changed in place: a set is attached to many requests (decision 0019).
 */
export function headerValues(scheme: string | undefined): (set: TokenSet) => string {
  const values = new WeakMap<TokenSet, { token: string; type: string; value: string }>();
  return (set) => {
    const known = values.get(set);
    if (known?.token === set.accessToken && known.type === set.tokenType) return known.value;
    const type = scheme ?? authorizationScheme(set.tokenType);
    const value = type === '' ? set.accessToken : `${type} ${set.accessToken}`;
    values.set(set, { token: set.accessToken, type: set.tokenType, value });
    return value;
  };
}
