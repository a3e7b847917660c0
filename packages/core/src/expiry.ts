import { MalformedResponseError } from './errors/malformed-response-error.js';
import { decodeJwtClaims } from './jwt-claims.js';

/**
 * When an access token expires, epoch milliseconds, from a present `expires_in` (seconds: a
 * non-negative number, or a string of decimal digits) counted from `sentAt`, the moment the token
 * request was sent — so network latency shortens the lifetime, never lengthens it. When the access
 * token is a JWT with numeric `iat` and `exp`, `exp > iat`, and `exp − iat` is shorter, that lifetime
 * is counted from `sentAt` instead: the difference of two server times, so no clock skew (decision
 * 0013). Without
 * `expires_in`, `toTokenSet` reads the `exp` claim when the access token is a JWT (`jwtClaim`), else
 * the token is valid until it is invalidated (`undefined`).
 *
 * A time too far to be a finite number (`expires_in: 1e306`, 400 digits, a huge `exp`) counts as no
 * expiry (`undefined`): stored as `Infinity`, the set would be refused when read back (decision 0013).
 */
export function expiresAtOf(
  expiresIn: unknown,
  sentAt: number,
  where: string,
  accessToken: string,
): number | undefined {
  // A string must be plain decimal digits: `Number()` would also take ' ', '0x10', '1e3'.
  const seconds =
    typeof expiresIn === 'string' ? (/^\d+$/.test(expiresIn) ? Number(expiresIn) : Number.NaN) : expiresIn;
  // `Infinity` (400 digits, a JSON `1e400`) passes: too far to be a number, so no expiry (below).
  if (typeof seconds !== 'number' || !(seconds >= 0)) {
    throw new MalformedResponseError(
      'invalid_field',
      'expires_in must be a non-negative number of seconds',
      where,
    );
  }
  // No JWT lifetime when a claim is missing (`-Infinity`), `exp <= iat` or `iat` is before 1970.
  const iat = jwtClaim(accessToken, 'iat') ?? NEVER;
  const lifetime = (jwtClaim(accessToken, 'exp') ?? 0) - iat;
  return finite(sentAt + Math.min(seconds * 1000, lifetime > 0 && iat >= 0 ? lifetime : NEVER));
}

const NEVER = Infinity;

/** `ms`, or `undefined` when it overflowed to `Infinity`. */
function finite(ms: number): number | undefined {
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * The `exp` or `iat` claim of a JWT access token in epoch ms; `undefined` for opaque tokens, a claim
 * too large, or a token longer than 64 KiB (treated as opaque, its payload never decoded:
 * `decodeJwtClaims`, decision 0026). Never verifies.
 */
export function jwtClaim(accessToken: string, claim: 'exp' | 'iat'): number | undefined {
  const value = decodeJwtClaims(accessToken)?.[claim];
  return typeof value === 'number' ? finite(value * 1000) : undefined;
}
