import { TesseraError } from '../errors/tessera-error.js';
import { copyCauseChain } from '../internal/copy-cause-chain.js';
import { redactor } from '../internal/redact.js';

/**
 * `error` if it is a Tessera error, else a `SIGN_IN_FAILED` error with it as `cause` (storage or WebCrypto
 * unavailable…). With `secret` (a PKCE verifier a storage was given), `cause` is a copy of its chain
 * with `secret` redacted from every message: a storage's error may quote what it was given.
 */
export function asTesseraError(error: unknown, secret?: string): TesseraError {
  return error instanceof TesseraError
    ? error
    : new TesseraError('SIGN_IN_FAILED', 'Sign-in failed with an unexpected error (see cause)', {
        cause: secret ? copyCauseChain(error, redactor([secret])) : error,
      });
}
