import type { DPoPKeyLostError } from './dpop-key-lost-error.js';
import type { DPoPNonceError } from './dpop-nonce-error.js';
import type { DPoPUnsupportedKeyError } from './dpop-unsupported-key-error.js';

declare module '@tessera/core' {
  /** The errors `@tessera/dpop` adds: `isTesseraError(e, 'DPOP_KEY_LOST')` narrows to `DPoPKeyLostError`. */
  interface TesseraErrorMap {
    /** The key the session's tokens are bound to is gone or was replaced: sign in again. */
    DPOP_KEY_LOST: DPoPKeyLostError;
    /** A server asked for a DPoP nonce that could not be read, did not change, or was refused after one retry. */
    DPOP_NONCE: DPoPNonceError;
    /** The key given is not an ES256 private key that can sign. */
    DPOP_UNSUPPORTED_KEY: DPoPUnsupportedKeyError;
  }
}

/** Stable codes of the errors `@tessera/dpop` adds to core's. Compare `error.code`, never the message. */
export type DPoPErrorCode = 'DPOP_KEY_LOST' | 'DPOP_NONCE' | 'DPOP_UNSUPPORTED_KEY';
