import { TesseraError } from './tessera-error.js';

/** Why the authorization server metadata could not be used. */
export type DiscoveryFailure =
  /** Neither well-known URL answered with a JSON metadata document. */
  | 'not_found'
  /** The document's `issuer` is not identical to the configured one (RFC 8414 §3.3). */
  | 'issuer_mismatch'
  /**
   * The document has no usable `token_endpoint`: absent, not an absolute URL, not https for an https issuer, or with
   * credentials or a `#fragment` (the rule of a configured `tokenUrl`).
   */
  | 'invalid_token_endpoint'
  /** Another endpoint of the document (`revocation_endpoint`, `jwks_uri`…) is not an absolute https URL, or has credentials or a `#fragment`. */
  | 'invalid_endpoint';

/**
 * The authorization server metadata of `issuer` could not be used (`discover()`, and `@tessera/node`'s
 * `issuer` option): no metadata at either well-known URL, an `issuer` mismatch, or an endpoint that
 * is not an absolute https URL. Not retried: check the `issuer` (it must match the server's issuer
 * exactly, trailing slash included) or configure the endpoints directly. Transient failures
 * (network, timeout, 408, 429, 5xx) are core's `NetworkError`, `TimeoutError`, `RateLimitError` or
 * `HttpError` naming the metadata URL.
 */
export class DiscoveryError extends TesseraError {
  /** What was wrong. */
  declare readonly reason: DiscoveryFailure;
  /** The configured issuer. */
  declare readonly issuer: string;

  constructor(reason: DiscoveryFailure, issuer: string, detail: string) {
    super('DISCOVERY_FAILED', `Discovery of ${issuer} failed: ${detail}`);
    this.name = 'DiscoveryError';
    this.reason = reason;
    this.issuer = issuer;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), reason: this.reason, issuer: this.issuer };
  }
}
