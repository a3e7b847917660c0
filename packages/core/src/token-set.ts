import { MalformedResponseError } from './errors/malformed-response-error.js';
import { expiresAtOf, jwtClaim } from './expiry.js';
import { accessTokenOf } from './internal/access-token-of.js';
import { isRecord } from './internal/is-record.js';
import { tokenManagerDefaults } from './token-manager-options.js';

/** A token endpoint response as RFC 6749 §5.1 names it. `expires_in` may arrive as a string. */
export interface TokenResponse {
  access_token: string;
  token_type?: string;
  /** Lifetime in seconds, counted from when the request was sent. */
  expires_in?: number | string;
  refresh_token?: string;
  /**
   * Space-delimited (RFC 6749 §3.3). An array of strings, as some servers send, is accepted and joined
   * by `toTokenSet`, but not typed: the type stays the RFC's (decision 0013).
   */
  scope?: string;
  id_token?: string;
  [extra: string]: unknown;
}

/** The normalised token set Tessera caches and hands out. */
export interface TokenSet {
  accessToken: string;
  /** @default 'Bearer' */
  tokenType: string;
  /** When the access token expires, epoch milliseconds; `undefined` = valid until invalidated. */
  expiresAt?: number | undefined;
  refreshToken?: string | undefined;
  scope?: string | undefined;
  idToken?: string | undefined;
  /**
   * When the token was issued, epoch milliseconds (the moment the request was sent, or the JWT
   * `iat`). Lets the manager cap the refresh margin at half the token's lifetime.
   */
  issuedAt?: number | undefined;
}

/** An RFC 7230 `token` (the syntax of an HTTP auth-scheme): visible ASCII without separators. */
const AUTH_SCHEME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Normalises a token endpoint response or a `TokenSet` into a `TokenSet`.
 *
 * Expiry comes from `expires_in` measured from `sentAt` (when the request was sent) — or from a JWT
 * access token's `exp − iat` when that is shorter (`expiresAtOf`) — else from the JWT `exp` claim
 * of the access token, else it is `undefined`. `token_type` is matched
 * case-insensitively against `tokenTypes` and takes its spelling from there (`bearer` → `Bearer`).
 * A `scope` array of strings is joined with spaces. A `refresh_token`, `id_token` or `scope` of
 * another type counts as absent.
 *
 * @param tokenTypes the token types accepted. @default ['Bearer']
 * @throws {MalformedResponseError} when there is no usable `access_token`, the expiry is not a
 * number, or `token_type` is not an auth-scheme or not one of `tokenTypes`.
 */
export function toTokenSet(
  input: unknown,
  sentAt: number,
  where = 'fetchTokens',
  tokenTypes: readonly string[] = tokenManagerDefaults.tokenTypes,
): TokenSet {
  const record = input as Record<string, unknown>;
  const isWireFormat = !isRecord(input) || 'access_token' in record || !('accessToken' in record);
  const accessToken = accessTokenOf(input, where, undefined, isWireFormat ? 'access_token' : 'accessToken');
  // RFC 6749 A.12: visible ASCII and space only. A newline or a NUL (JSON allows both) would make every
  // transport's header set fail, and runtimes quote the refused value: the token, in the error. A space
  // at either end is trimmed by `Headers` (the DPoP proof's `ath` then hashes another string) or makes
  // `Bearer  x`: sent changed, so refused too (decision 0900).
  if (/[^ -~]|^ | $/.test(accessToken)) {
    throw new MalformedResponseError(
      'invalid_field',
      'access_token cannot be sent unchanged in a header',
      where,
    );
  }
  const field = (wire: string, camel: string): unknown => record[isWireFormat ? wire : camel];
  // A field the manager can do without (`refresh_token`, `id_token`), of the wrong type, counts as absent.
  const pick = (wire: string, camel: string): string | undefined => optionalString(field(wire, camel));
  // The accepted spelling of the type; an absent type means Bearer (as servers that omit it mean).
  const type = field('token_type', 'tokenType') ?? 'Bearer';
  if (typeof type !== 'string' || !AUTH_SCHEME.test(type)) {
    throw new MalformedResponseError('invalid_field', 'token_type is not an HTTP auth-scheme', where);
  }
  const lower = type.toLowerCase();
  const tokenType = tokenTypes.find((accepted) => accepted.toLowerCase() === lower);
  if (tokenType === undefined) {
    // An auth-scheme is a short token of safe characters: naming it helps and leaks nothing.
    throw new MalformedResponseError(
      'invalid_field',
      `token_type "${type.slice(0, 32)}" is not in tokenTypes (${tokenTypes.join(', ')})`,
      where,
    );
  }
  const expiry = field('expires_in', 'expiresAt');
  if (!(isWireFormat || expiry == null || Number.isFinite(expiry))) {
    throw new MalformedResponseError('invalid_field', 'expiresAt must be epoch milliseconds', where);
  }
  const issuedAt = isWireFormat ? sentAt : record.issuedAt;
  const { scope } = record;
  return {
    accessToken,
    tokenType,
    expiresAt:
      expiry == null
        ? jwtClaim(accessToken, 'exp')
        : isWireFormat
          ? expiresAtOf(expiry, sentAt, where, accessToken)
          : (expiry as number),
    refreshToken: pick('refresh_token', 'refreshToken'),
    // RFC 6749 §3.3's space-delimited string. Some servers send an array: joined. Anything else is
    // ignored, not refused: refusing would throw away the access token that came with it (decision 0013).
    scope:
      typeof scope === 'string'
        ? scope
        : Array.isArray(scope) && scope.every((item) => typeof item === 'string')
          ? scope.join(' ')
          : undefined,
    idToken: pick('id_token', 'idToken'),
    issuedAt:
      typeof issuedAt === 'number' && Number.isFinite(issuedAt) ? issuedAt : jwtClaim(accessToken, 'iat'),
  };
}

/**
 * A field the manager can do without (`refresh_token`, `id_token`), of the wrong type, counts as
 * absent: refusing the answer would throw away the access token that came with it, and a sign-in's
 * whole answer; a refused refresh keeps only the refresh token it rotated (decision 0013).
 */
export const optionalString = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;
