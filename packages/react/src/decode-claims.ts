import { decodeJwtClaims } from '@tessera/core';
import type { IdTokenClaims } from './session.js';

/**
 * The payload of a JWT as a frozen object (UTF-8: a non-ASCII name decodes correctly), or
 * `undefined` when `jwt` is missing, not a JWT, longer than 65,536 characters (never decoded,
 * decision 0026), or its payload is not a JSON object. No signature check. Core's `decodeJwtClaims`:
 * one size rule, and nothing added to an app bundle.
 */
export function decodeClaims(jwt: string | undefined): IdTokenClaims | undefined {
  const claims = decodeJwtClaims(jwt);
  return claims && Object.freeze(claims);
}
