import { createHash, randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, type JWK, jwtVerify } from 'jose';

/** Seconds a proof's `iat` may differ from this server's clock. */
const IAT_WINDOW = 60;

/** Why a DPoP proof was refused: `use_dpop_nonce` is a challenge one retry answers; anything else is final. */
export type ProofRejection = 'use_dpop_nonce' | 'invalid_dpop_proof';

/**
 * A resource server's DPoP check (RFC 9449 §4.3, §7) with jose: one proof, signed by the key in its
 * header (ES256, `typ` `dpop+jwt`), for this method and URL (`htm`, `htu`), recent (`iat`), never
 * seen before (`jti`), carrying this server's current nonce, hashing the token it came with (`ath`),
 * and made with the key the token is bound to (`cnf.jkt`).
 */
export class DPoPVerifier {
  #nonce = randomBytes(16).toString('base64url');
  readonly #seen = new Set<string>();

  /** The nonce proofs must carry; sent as `DPoP-Nonce` on every answer. */
  get nonce(): string {
    return this.#nonce;
  }

  /** Issues a new nonce: proofs with the old one get a `use_dpop_nonce` challenge. */
  rotateNonce(): void {
    this.#nonce = randomBytes(16).toString('base64url');
  }

  /**
   * @param proof the request's `DPoP` header (`undefined` when absent or repeated).
   * @param url the URL the request reached, without query.
   * @returns the proof's `jti` when it is good, else why not.
   */
  async verify(
    proof: string | undefined,
    request: { method: string; url: string; token: string; jkt: string },
  ): Promise<{ jti: string } | { rejection: ProofRejection; reason: string }> {
    const refuse = (reason: string) => ({ rejection: 'invalid_dpop_proof' as const, reason });
    if (!proof) return refuse('a DPoP-bound token needs exactly one DPoP proof');
    let claims: Record<string, unknown>;
    let jwk: JWK | undefined;
    try {
      const verified = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] });
      claims = verified.payload;
      jwk = verified.protectedHeader.jwk as JWK | undefined;
    } catch {
      return refuse('the proof signature or typ is invalid');
    }
    if (!jwk || 'd' in jwk) return refuse('the proof must carry a public key');
    if (claims.htm !== request.method) return refuse('htm does not match the method');
    if (claims.htu !== request.url) return refuse('htu does not match the URL');
    if (typeof claims.iat !== 'number' || Math.abs(claims.iat - Date.now() / 1000) > IAT_WINDOW)
      return refuse('iat is not recent');
    if (claims.nonce !== this.#nonce)
      return { rejection: 'use_dpop_nonce', reason: 'the proof needs the current nonce' };
    if (typeof claims.jti !== 'string' || this.#seen.has(claims.jti)) return refuse('jti was already used');
    this.#seen.add(claims.jti);
    if (claims.ath !== createHash('sha256').update(request.token).digest('base64url'))
      return refuse('ath does not match the token');
    if ((await calculateJwkThumbprint(jwk)) !== request.jkt)
      return refuse('the token is bound to another key');
    return { jti: claims.jti };
  }
}
