import { isTesseraError } from '../errors/guards.js';
import { TesseraError } from '../errors/tessera-error.js';

/** A `SIGN_IN_FAILED` error with `cause` (storage or WebCrypto unavailable…, a falsy rejection reason). */
export const signInFailed = (cause: unknown): TesseraError =>
  new TesseraError('SIGN_IN_FAILED', 'Sign-in failed with an unexpected error (see cause)', { cause });

/** `error` if it is a Tessera error (of any copy of core: the brand), else `signInFailed(error)`. */
export const asTesseraError = (error: unknown): TesseraError =>
  isTesseraError(error) ? error : signInFailed(error);
