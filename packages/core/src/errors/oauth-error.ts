import { quotable } from '../internal/server-text.js';
import { isTransient } from '../transient.js';
import { TesseraError } from './tessera-error.js';

/**
 * Fields of an RFC 6749 §5.2 error response, kept verbatim: text the server chose, to show only as such. The
 * message quotes them with characters outside RFC 6749's set replaced and at most 200 characters each.
 */
export interface OAuthErrorFields {
  /** The OAuth `error` code, e.g. `invalid_grant`. */
  error: string;
  /** The server's `error_description`, with any known secret redacted. */
  errorDescription?: string | undefined;
  /** The server's `error_uri`, with any known secret redacted. */
  errorUri?: string | undefined;
  /** HTTP status of the response. */
  status: number;
  /** Delay the server asked for with `Retry-After`, in milliseconds. */
  retryAfter?: number | undefined;
}

/**
 * The authorization server answered with an OAuth error (RFC 6749 §5.2) — also when it sent that
 * error body with HTTP 200.
 *
 * Thrown by the token-endpoint client and rethrown by `TokenManager`. `invalid_grant` on a refresh
 * means the session is over: the manager clears its tokens and emits `session_expired`; send the user
 * to sign in again. `invalid_client` means the client configuration (id, secret, key) is wrong.
 * Only `temporarily_unavailable` and `server_error` (and 5xx statuses) are retried.
 */
export class OAuthError extends TesseraError {
  declare readonly error: string;
  declare readonly errorDescription: string | undefined;
  declare readonly errorUri: string | undefined;
  declare readonly status: number;
  declare readonly retryAfter: number | undefined;

  constructor(fields: OAuthErrorFields, where: string) {
    const description = fields.errorDescription ? `: ${quotable(fields.errorDescription)}` : '';
    super('OAUTH_ERROR', `${quotable(fields.error)}${description} (HTTP ${fields.status}) — ${where}`);
    this.name = 'OAuthError';
    this.error = fields.error;
    this.errorDescription = fields.errorDescription;
    this.errorUri = fields.errorUri;
    this.status = fields.status;
    this.retryAfter = fields.retryAfter;
  }

  /** Whether retrying the same request may succeed. */
  get transient(): boolean {
    return isTransient(this);
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      error: this.error,
      errorDescription: this.errorDescription,
      errorUri: this.errorUri,
      status: this.status,
    };
  }
}
