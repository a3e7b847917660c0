import { TesseraError } from '../errors/tessera-error.js';

/** `error` if it is a Tessera error, else a `SIGN_IN_FAILED` error with it as `cause` (storage or WebCrypto unavailable…). */
export function asTesseraError(error: unknown): TesseraError {
  return error instanceof TesseraError
    ? error
    : new TesseraError('SIGN_IN_FAILED', 'Sign-in failed with an unexpected error (see cause)', {
        cause: error,
      });
}
