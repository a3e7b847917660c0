import { jwtDecode } from 'jwt-decode';
import type { IdTokenClaims } from './session.js';

/**
 * The payload of a JWT as a frozen object (UTF-8: a non-ASCII name decodes correctly), or
 * `undefined` when `jwt` is missing, not a JWT, or its payload is not a JSON object. No signature
 * check. Uses `jwt-decode`, which `@tessera/core` already ships, so it adds nothing to an app bundle.
 */
export function decodeClaims(jwt: string | undefined): IdTokenClaims | undefined {
  try {
    const claims: unknown = jwtDecode(jwt!);
    return Object(claims) === claims ? Object.freeze(claims as IdTokenClaims) : undefined;
  } catch {
    return undefined;
  }
}
