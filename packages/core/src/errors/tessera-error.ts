/**
 * Stable codes of every error Tessera throws. Compare `error.code`, never the message.
 */
export type TesseraErrorCode =
  | 'OAUTH_ERROR'
  | 'HTTP_ERROR'
  | 'RATE_LIMITED'
  | 'NETWORK_ERROR'
  | 'TIMEOUT'
  | 'MALFORMED_RESPONSE'
  | 'LOGIN_REQUIRED'
  | 'ABORTED'
  | 'DISPOSED'
  /** `@tessera/node`: the token endpoint could not be discovered from the issuer. */
  | 'DISCOVERY_FAILED'
  /** `@tessera/node`: an optional peer dependency (e.g. `jose`) is not installed. */
  | 'MISSING_PEER_DEPENDENCY'
  /** `@tessera/redis`: Redis did not answer (reported through events, never thrown at callers). */
  | 'REDIS_UNAVAILABLE'
  /** `@tessera/redis`: a cache entry could not be read or decrypted. */
  | 'INVALID_CACHE_ENTRY'
  /** `@tessera/dpop`: the DPoP key the session was bound to is gone or replaced; sign in again. */
  | 'DPOP_KEY_LOST'
  /** `@tessera/dpop`: a server's DPoP nonce challenge could not be answered (unreadable, unchanged, or repeated). */
  | 'DPOP_NONCE'
  /** `@tessera/dpop`: the key given for DPoP proofs cannot be used (not an ES256 / P-256 key pair). */
  | 'DPOP_UNSUPPORTED_KEY';

/**
 * Base class of every error Tessera throws.
 *
 * Messages say what failed, why and where. They never contain an access token, refresh token,
 * password, client secret, assertion or request body; neither does `JSON.stringify(error)`.
 */
export class TesseraError extends Error {
  /** Stable machine-readable code. */
  readonly code: TesseraErrorCode;

  constructor(code: TesseraErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TesseraError';
    this.code = code;
  }

  /** Keeps `JSON.stringify(error)` useful and free of secrets: name, code and message only (plus subclass fields). */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message };
  }
}
