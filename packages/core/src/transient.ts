import type { OAuthError } from './errors/oauth-error.js';

/** OAuth error codes that retrying cannot fix (RFC 6749 §5.2, RFC 8707, RFC 7009). */
const PERMANENT_OAUTH_ERRORS = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
  'access_denied',
  'unsupported_token_type',
]);

/** OAuth error codes that say "try again later" (RFC 6749 §4.1.2.1), whatever the status. */
const TRANSIENT_OAUTH_ERRORS = new Set(['temporarily_unavailable', 'server_error']);

/** Whether an HTTP status may succeed when the same request is sent again: 408, 429, 5xx. */
function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * The one place that decides whether retrying may fix `error`, for token, discovery and revocation
 * requests alike: network errors, timeouts, HTTP 408, 429 and 5xx, and the OAuth errors
 * `temporarily_unavailable`/`server_error` (or any OAuth error other than the RFC 6749 §5.2 codes
 * sent with a transient status). Never `invalid_grant`, `invalid_client` and the other §5.2 codes,
 * never a redirect, and never errors Tessera does not know.
 *
 * Recognises errors by `code`, so it also works across duplicate copies of `@tessera/core`.
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, status, error: oauthCode } = error as Partial<OAuthError> & { code?: unknown };
  return (
    code === 'NETWORK_ERROR' ||
    code === 'TIMEOUT' ||
    ((code === 'HTTP_ERROR' || code === 'RATE_LIMITED') && isTransientStatus(status as number)) ||
    (code === 'OAUTH_ERROR' &&
      (TRANSIENT_OAUTH_ERRORS.has(oauthCode as string) ||
        (!PERMANENT_OAUTH_ERRORS.has(oauthCode as string) && isTransientStatus(status as number))))
  );
}
