import { jwtDecode } from 'jwt-decode';
import { MalformedResponseError } from './errors/malformed-response-error.js';

/**
 * When an access token expires, epoch milliseconds.
 *
 * 1. `expires_in` (seconds: a non-negative finite number, or a string of decimal digits) counted from `sentAt`, the moment the token
 *    request was sent — so network latency shortens the lifetime, never lengthens it;
 * 2. else the `exp` claim, when the access token is a JWT;
 * 3. else `undefined`: the token is valid until it is invalidated.
 */
export function expiresAtOf(
  expiresIn: unknown,
  accessToken: string,
  sentAt: number,
  where: string,
): number | undefined {
  if (expiresIn !== undefined && expiresIn !== null) {
    // A string must be plain decimal digits: `Number()` would also take ' ', '0x10', '1e3'.
    const seconds =
      typeof expiresIn === 'string' ? (/^\d+$/.test(expiresIn) ? Number(expiresIn) : Number.NaN) : expiresIn;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
      throw new MalformedResponseError(
        'invalid_field',
        'expires_in must be a non-negative number of seconds',
        where,
      );
    }
    return sentAt + seconds * 1000;
  }
  return jwtClaims(accessToken).exp;
}

/** `exp` and `iat` of a JWT access token in epoch ms; empty for opaque tokens. Never verifies. */
export function jwtClaims(accessToken: string): { exp?: number; iat?: number } {
  if (accessToken.split('.').length !== 3) return {};
  try {
    const { exp, iat } = jwtDecode(accessToken);
    const ms = (value: unknown): number | undefined =>
      typeof value === 'number' && Number.isFinite(value) ? value * 1000 : undefined;
    return { ...optional('exp', ms(exp)), ...optional('iat', ms(iat)) };
  } catch {
    return {};
  }
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}
