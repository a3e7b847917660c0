import { TesseraError } from '../core.js';

/** Why a server's `use_dpop_nonce` challenge was not answered with a retry. */
export type DPoPNonceFailure =
  /**
   * The server asked for a nonce but no `DPoP-Nonce` header could be read. In browsers this is
   * almost always CORS: the server must send `Access-Control-Expose-Headers: DPoP-Nonce`
   * (and `WWW-Authenticate` for resource servers). A configuration error, never retried. A value
   * that is not a nonce (RFC 9449 NQCHAR only, at most 4096 characters) counts as unreadable.
   */
  | 'nonce_unreadable'
  /**
   * The server (or a proxy in front of it) sent several different `DPoP-Nonce` headers: no client can
   * tell which one it takes. RFC 9449 allows one. A server error, never retried.
   */
  | 'nonce_ambiguous'
  /** The server asked again for the nonce the rejected proof already carried: a retry cannot help. */
  | 'nonce_unchanged'
  /** The one retry with the server's new nonce was challenged again. There is never a third request. */
  | 'rejected_after_retry';

/**
 * A DPoP nonce challenge (`400 use_dpop_nonce` from an authorization server, `401` with
 * `WWW-Authenticate: DPoP error="use_dpop_nonce"` from a resource server) that a retry cannot answer.
 *
 * Thrown by `dpop.fetch` and `dpop.isNonceChallenge`. Never retried: check the server's nonce
 * configuration and, in browsers, its CORS `Access-Control-Expose-Headers`.
 */
export class DPoPNonceError extends TesseraError {
  /** What went wrong. */
  declare readonly failure: DPoPNonceFailure;
  /** HTTP status of the challenge. */
  declare readonly status: number;

  constructor(failure: DPoPNonceFailure, status: number, where: string) {
    super('DPOP_NONCE', `${MESSAGES[failure]} (HTTP ${status}) — ${where}`);
    this.name = 'DPoPNonceError';
    this.failure = failure;
    this.status = status;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), failure: this.failure, status: this.status };
  }
}

const MESSAGES: Record<DPoPNonceFailure, string> = {
  nonce_unreadable:
    'DPoP nonce required but no readable DPoP-Nonce header (CORS: Access-Control-Expose-Headers?)',
  nonce_ambiguous: 'DPoP nonce required but several DPoP-Nonce headers with different nonces sent',
  nonce_unchanged: 'DPoP nonce rejected although it is the one the server issued',
  rejected_after_retry: 'DPoP nonce challenged again after one retry',
};

/**
 * Why a nonce challenge cannot be answered with a retry: no readable `nonce` in it, several
 * different ones (`false`), or the one the rejected proof carried (`sent`). `undefined` when a retry
 * with `nonce` can help.
 */
export function nonceFailure(
  nonce: string | false | undefined,
  sent: string | undefined,
): DPoPNonceFailure | undefined {
  return nonce === undefined
    ? 'nonce_unreadable'
    : nonce === false
      ? 'nonce_ambiguous'
      : nonce === sent
        ? 'nonce_unchanged'
        : undefined;
}
