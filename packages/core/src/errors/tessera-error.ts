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
  /** Sign-in: a callback on the `redirect_uri` that matches no pending sign-in (replayed, tampered, expired). */
  | 'STALE_CALLBACK'
  /** Sign-in: this browser context holds no PKCE verifier for the callback (other tab, browser or app; storage cleared). */
  | 'PKCE_VERIFIER_MISSING'
  /** Sign-in: the callback's RFC 9207 `iss` is missing or names another issuer (mix-up attack). */
  | 'ISSUER_MISMATCH'
  /** Sign-in: the ID token fails a check (`iss`, `aud`, `azp`, `exp`, `nonce`, `sub`). */
  | 'INVALID_ID_TOKEN'
  /** Sign-in: an unexpected failure (storage or WebCrypto unavailable…); `cause` holds it. */
  | 'SIGN_IN_FAILED'
  /** `discover()`: the authorization server metadata of an issuer could not be used. */
  | 'DISCOVERY_FAILED'
  /** `@tessera/node`: an optional peer dependency (e.g. `jose`) is not installed. */
  | 'MISSING_PEER_DEPENDENCY'
  /** `@tessera/redis`: Redis did not answer (reported through events, never thrown at callers). */
  | 'REDIS_UNAVAILABLE'
  /** `@tessera/redis`: a cache entry could not be read or decrypted. */
  | 'INVALID_CACHE_ENTRY';

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
