import { TesseraError } from '../core.js';

/**
 * The key given to `createDPoP({ key })` cannot sign DPoP proofs: it must be an ES256 (ECDSA
 * P-256) private key with the `sign` usage, as a WebCrypto `CryptoKeyPair` or a Node.js `KeyObject`.
 *
 * Thrown when the key is first used; `cause` holds what WebCrypto said. Fix the configuration;
 * retrying cannot help.
 */
export class DPoPUnsupportedKeyError extends TesseraError {
  constructor(cause: unknown) {
    super('DPOP_UNSUPPORTED_KEY', 'The DPoP key must be an ES256 (ECDSA P-256) private key that can sign', {
      cause,
    });
    this.name = 'DPoPUnsupportedKeyError';
  }
}
