import { TesseraError } from '@tessera/core';

/**
 * Signing a `private_key_jwt` client assertion failed (`jose` refused the key or the algorithm),
 * whether for a request or for the DPoP retry's new assertion (decision 1210): a problem of the key
 * configuration, not of the network, so it is never retried and nothing more is sent. Check
 * `privateKey` and `signingAlgorithm`; `cause` holds `jose`'s error. The message names the
 * algorithm and `jose`'s reason, never key material.
 */
export class ClientAssertionError extends TesseraError {
  /** The JWS algorithm the assertion was to be signed with, e.g. `RS256`. */
  readonly alg: string;

  constructor(alg: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : 'unknown reason';
    super(
      'CLIENT_ASSERTION_FAILED',
      `private_key_jwt: signing the client assertion (${alg}) failed: ${reason}`,
      {
        cause,
      },
    );
    this.name = 'ClientAssertionError';
    this.alg = alg;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), alg: this.alg };
  }
}
