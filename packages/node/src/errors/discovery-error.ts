import { TesseraError } from '@tessera/core';

/** Why the authorization server metadata could not be used. */
export type DiscoveryFailure =
  /** Neither well-known URL answered with a JSON metadata document. */
  | 'not_found'
  /** The document's `issuer` is not identical to the configured one (RFC 8414 §3.3). */
  | 'issuer_mismatch'
  /** The document has no usable `token_endpoint` (absent, not an absolute URL, or not https for an https issuer). */
  | 'invalid_token_endpoint';

/**
 * The token endpoint could not be discovered from `issuer`: no metadata at either well-known URL,
 * an `issuer` mismatch, or no usable `token_endpoint`. Not retried: check the `issuer` option (it
 * must match the server's issuer exactly, trailing slash included) or pass `tokenUrl` instead.
 * Transient discovery failures (network, timeout, 408, 429, 5xx) are retried and surface as core's
 * `NetworkError`, `TimeoutError`, `RateLimitError` or `HttpError` naming the metadata URL.
 */
export class DiscoveryError extends TesseraError {
  /** What was wrong. */
  readonly reason: DiscoveryFailure;
  /** The configured issuer. */
  readonly issuer: string;

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
