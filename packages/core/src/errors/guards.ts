import type { OAuthError } from './oauth-error.js';
import {
  TESSERA_ERROR_BRAND,
  type TesseraError,
  type TesseraErrorCode,
  type TesseraErrorMap,
} from './tessera-error.js';

type Branded = { [TESSERA_ERROR_BRAND]?: unknown; code?: unknown };

/**
 * Whether `value` is a Tessera error, optionally with a given `code`; narrows to that code's class
 * (`isTesseraError(e, 'RATE_LIMITED')` → `RateLimitError`). Recognises errors by a brand
 * (`Symbol.for('tessera.error')`), so it works across duplicate copies of the packages and for
 * errors of every package built on core.
 */
export function isTesseraError(value: unknown): value is TesseraError;
export function isTesseraError<C extends TesseraErrorCode>(
  value: unknown,
  code: C,
): value is TesseraErrorMap[C];
export function isTesseraError(value: unknown, code?: TesseraErrorCode): boolean {
  // Casts, not a typed alias: the alias stays in the built file as a variable.
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Branded)[TESSERA_ERROR_BRAND] === true &&
    typeof (value as Branded).code === 'string' &&
    (code === undefined || (value as Branded).code === code)
  );
}

/** Whether `value` is an `OAuthError`, optionally with a given OAuth `error` code such as `invalid_grant`. */
export function isOAuthError(value: unknown, error?: string): value is OAuthError {
  return isTesseraError(value, 'OAUTH_ERROR') && (error === undefined || value.error === error);
}
