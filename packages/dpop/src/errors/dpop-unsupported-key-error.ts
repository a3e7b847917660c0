import { TesseraError } from '@tessera/core';

/**
 * The key given to `createDPoP({ key })` cannot sign DPoP proofs: it must be an ES256 (ECDSA
 * P-256) private key with the `sign` usage, as a WebCrypto `CryptoKeyPair` or a Node.js `KeyObject`.
 *
 * Thrown when the key is first used. Fix the configuration; retrying cannot help.
 */
export class DPoPUnsupportedKeyError extends TesseraError {
  constructor(why: string) {
    super(
      'DPOP_UNSUPPORTED_KEY',
      `The DPoP key cannot be used: ${why}. Use an ES256 (ECDSA P-256) key pair.`,
    );
    this.name = 'DPoPUnsupportedKeyError';
  }
}
