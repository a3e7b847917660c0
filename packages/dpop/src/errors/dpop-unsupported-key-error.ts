import { TesseraError } from '../core.js';

/**
 * The key given to `createDPoP({ key })` cannot sign DPoP proofs: it must be an ES256 (ECDSA
 * P-256) private key with the `sign` usage, as a WebCrypto `CryptoKeyPair` or a Node.js `KeyObject`;
 * a pair's `publicKey` must be its `privateKey`'s (a pair of two mixed-up halves signs proofs that no
 * server accepts).
 *
 * Thrown when the key is first used; `cause` holds what WebCrypto said (`mismatched key pair` for a
 * pair whose halves differ). Fix the configuration; retrying cannot help.
 */
export class DPoPUnsupportedKeyError extends TesseraError {
  constructor(cause: unknown) {
    super(
      'DPOP_UNSUPPORTED_KEY',
      'The DPoP key must be an ES256 (ECDSA P-256) private key that can sign, paired with its own public key',
      {
        cause,
      },
    );
    this.name = 'DPoPUnsupportedKeyError';
  }
}
