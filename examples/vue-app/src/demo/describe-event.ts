import { isOAuthError, isTesseraError, type TokenEvent } from '@tessera/core';

/** One line about a token event for the session panel, e.g. `refreshed (background)`. */
export function describeEvent(event: TokenEvent | undefined): string {
  if (!event) return '—';
  switch (event.type) {
    case 'loaded':
      return event.tokens ? 'loaded (signed in)' : 'loaded (no tokens)';
    case 'refreshed':
      return `refreshed (${event.reason})`;
    case 'tokens_set':
      return 'tokens_set (signed in)';
    case 'retrying':
      return `retrying (attempt ${event.attempt + 1} in ${Math.round(event.delay)} ms)`;
    case 'refresh_failed':
      return `refresh_failed (${errorCode(event.error)})`;
    case 'cleared':
      return `cleared (${event.reason})`;
    case 'session_expired':
      return `session_expired (${errorCode(event.error)})`;
    case 'storage_error':
      return `storage_error (${event.operation})`;
    case 'invalidation_ignored':
      return `invalidation_ignored (${event.reason})`;
    default:
      return event.type;
  }
}

/**
 * The OAuth `error` (`invalid_grant`) or Tessera code (`NETWORK_ERROR`) of an error, never its message;
 * a DPoP nonce failure with its reason (`DPOP_NONCE (nonce_unreadable)`: the API's CORS hides `DPoP-Nonce`).
 */
export function errorCode(error: unknown): string {
  if (isOAuthError(error)) return error.error;
  if (isTesseraError(error, 'DPOP_NONCE')) return `${error.code} (${error.failure})`;
  if (isTesseraError(error)) return error.code;
  return error instanceof Error ? error.name : 'unknown error';
}
