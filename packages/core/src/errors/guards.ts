import type { OAuthError } from './oauth-error.js';
import type { TesseraError, TesseraErrorCode } from './tessera-error.js';

const NAMES = new Set([
  'TesseraError',
  'OAuthError',
  'HttpError',
  'RateLimitError',
  'NetworkError',
  'TimeoutError',
  'MalformedResponseError',
  'LoginRequiredError',
  'AbortError',
  'DisposedError',
  'StaleCallbackError',
  'PkceVerifierMissingError',
  'IssuerMismatchError',
  'IdTokenError',
  'DiscoveryError',
  // Subclasses defined by @tessera/node and @tessera/redis.
  'MissingPeerDependencyError',
  'RedisUnavailableError',
  'InvalidCacheEntryError',
]);

/**
 * Whether `value` is a Tessera error, optionally with a given `code`. Works across duplicate copies
 * of the package (compares `name` and `code`, not only `instanceof`).
 */
export function isTesseraError(value: unknown, code?: TesseraErrorCode): value is TesseraError {
  if (!(value instanceof Error) || !NAMES.has(value.name)) return false;
  const actual = (value as { code?: unknown }).code;
  return typeof actual === 'string' && (code === undefined || actual === code);
}

/** Whether `value` is an `OAuthError`, optionally with a given OAuth `error` code such as `invalid_grant`. */
export function isOAuthError(value: unknown, error?: string): value is OAuthError {
  if (!isTesseraError(value, 'OAUTH_ERROR')) return false;
  return error === undefined || (value as OAuthError).error === error;
}
