import type { AbortError } from './abort-error.js';
import type { DiscoveryError } from './discovery-error.js';
import type { DisposedError } from './disposed-error.js';
import type { HttpError } from './http-error.js';
import type { IdTokenError } from './id-token-error.js';
import type { IssuerMismatchError } from './issuer-mismatch-error.js';
import type { LoginRequiredError } from './login-required-error.js';
import type { MalformedResponseError } from './malformed-response-error.js';
import type { NetworkError } from './network-error.js';
import type { OAuthError } from './oauth-error.js';
import type { PkceVerifierMissingError } from './pkce-verifier-missing-error.js';
import type { RateLimitError } from './rate-limit-error.js';
import type { StaleCallbackError } from './stale-callback-error.js';
import type { TimeoutError } from './timeout-error.js';
import type { TokenTypeMismatchError } from './token-type-mismatch-error.js';

/**
 * Every Tessera error code and the class that carries it. Packages built on core add theirs by
 * declaration merging (docs/decisions/0009), so core never lists them:
 *
 * @example
 * declare module '@tessera/core' {
 *   interface TesseraErrorMap { DISCOVERY_FAILED: DiscoveryError }
 * }
 */
export interface TesseraErrorMap {
  OAUTH_ERROR: OAuthError;
  HTTP_ERROR: HttpError;
  RATE_LIMITED: RateLimitError;
  NETWORK_ERROR: NetworkError;
  TIMEOUT: TimeoutError;
  MALFORMED_RESPONSE: MalformedResponseError;
  LOGIN_REQUIRED: LoginRequiredError;
  ABORTED: AbortError;
  DISPOSED: DisposedError;
  DISCOVERY_FAILED: DiscoveryError;
  /** Sign-in: a callback on the `redirect_uri` that matches no pending sign-in (replayed, tampered, expired) or repeats a parameter. */
  STALE_CALLBACK: StaleCallbackError;
  /** Sign-in: this browser context holds no PKCE verifier for the callback (other tab, browser or app; storage cleared). */
  PKCE_VERIFIER_MISSING: PkceVerifierMissingError;
  /** Sign-in: the callback's RFC 9207 `iss` is missing or names another issuer (mix-up attack). */
  ISSUER_MISMATCH: IssuerMismatchError;
  /** Sign-in: the ID token fails a check (`format` — not a usable JWT, or unsigned or MAC-signed —, `iss`, `aud`, `azp`, `exp`, `nonce`, `sub`). */
  INVALID_ID_TOKEN: IdTokenError;
  /** Sign-in: an unexpected failure (storage or WebCrypto unavailable…); `cause` holds it. */
  SIGN_IN_FAILED: TesseraError;
  /** Transports with a `senderConstraint` (DPoP): the token set's type is not the constraint's scheme; nothing was sent. */
  TOKEN_TYPE_MISMATCH: TokenTypeMismatchError;
}

/** Stable codes of every error Tessera throws. Compare `error.code`, never the message. */
export type TesseraErrorCode = keyof TesseraErrorMap;

/** Marks Tessera errors across duplicate copies of the packages (docs/decisions/0009). */
export const TESSERA_ERROR_BRAND: unique symbol = Symbol.for('tessera.error') as never;

/**
 * Base class of every error Tessera throws.
 *
 * Messages say what failed, why and where. They never contain an access token, refresh token,
 * password, client secret, assertion or request body; neither does `JSON.stringify(error)`.
 */
export class TesseraError extends Error {
  /** Stable machine-readable code. */
  declare readonly code: TesseraErrorCode;

  constructor(code: TesseraErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TesseraError';
    this.code = code;
  }

  /** The brand `isTesseraError` recognises, on the prototype: logging an error does not show it. */
  get [TESSERA_ERROR_BRAND](): true {
    return true;
  }

  /** Keeps `JSON.stringify(error)` useful and free of secrets: name, code and message only (plus subclass fields). */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message };
  }
}
