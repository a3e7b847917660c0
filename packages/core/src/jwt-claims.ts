import { jwtDecode } from 'jwt-decode';
import { isRecord } from './internal/is-record.js';

/**
 * The longest JWT whose claims are read: 65,536 characters, more than any header line servers
 * accept (decision 0026). `jwt-decode` takes about 0.7 s per MiB, so a longer (hostile or corrupt)
 * token would freeze the app while it is decoded.
 */
export const MAX_DECODED_JWT_LENGTH = 65_536;

/**
 * The claims (payload) of a compact JWT, decoded as UTF-8 and never verified; `undefined` when `jwt`
 * is missing or not a string (an `id_token: 123` from a server), longer than 65,536 characters (never decoded, decision 0026), not three dot-separated
 * parts, or its payload is not a JSON object. Never throws. The one rule for every claim core and
 * the React and Vue bindings read: access token `exp`/`iat`, ID token claims, session claims.
 *
 * @example
 * const name = decodeJwtClaims(tokens.idToken)?.name;
 */
export function decodeJwtClaims(jwt: string | undefined): Record<string, unknown> | undefined {
  if (typeof jwt !== 'string' || jwt.length > MAX_DECODED_JWT_LENGTH || jwt.split('.').length !== 3)
    return undefined;
  try {
    const claims: unknown = jwtDecode(jwt);
    // An array is an object too: claims are a JSON object, never `[…]` (RFC 7519 §7.2).
    return isRecord(claims) ? claims : undefined;
  } catch {
    return undefined;
  }
}
