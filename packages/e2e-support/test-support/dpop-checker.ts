import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, type JWK, jwtVerify } from 'jose';

/** One request as the fake DPoP API judged it. */
export interface DPoPCall {
  method: string;
  url: string;
  authorization: string | null;
  /** Claims of the verified proof (`undefined` when none or invalid). */
  proof: { jti: string; htm: string; htu: string; ath?: string; nonce?: string } | undefined;
  jkt: string | undefined;
  status: number;
}

export interface DPoPAnswer {
  status: number;
  headers: Record<string, string>;
}

/**
 * The judgement of a strict resource server for unit tests: the proof's signature (jose, embedded
 * key), `htm`, `htu`, `ath` of the token sent, a `jti` never seen before, and its current nonce
 * (challenged with `401 use_dpop_nonce` + `DPoP-Nonce`). `Authorization` must be `DPoP <valid()>`;
 * any other token gets `401 invalid_token`.
 */
export function dpopChecker(valid: () => string, options: { nonce?: () => string | undefined } = {}) {
  const calls: DPoPCall[] = [];
  const jtis = new Set<string>();
  const check = async (request: {
    method: string;
    url: string;
    authorization: string | null;
    dpop: string | null;
  }): Promise<DPoPAnswer> => {
    const call: DPoPCall = { ...request, proof: undefined, jkt: undefined, status: 0 };
    calls.push(call);
    const answer = (status: number, headers: Record<string, string> = {}): DPoPAnswer => {
      call.status = status;
      return { status, headers };
    };
    const nonce = options.nonce?.();
    const withNonce = nonce === undefined ? {} : { 'DPoP-Nonce': nonce };
    if (!request.dpop) return answer(401, { 'WWW-Authenticate': 'DPoP error="invalid_token"' });
    let claims: DPoPCall['proof'];
    try {
      const { payload, protectedHeader } = await jwtVerify(request.dpop, EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: ['ES256'],
      });
      claims = payload as NonNullable<DPoPCall['proof']>;
      call.jkt = await calculateJwkThumbprint(protectedHeader.jwk as JWK, 'sha256');
    } catch {
      return answer(401, { 'WWW-Authenticate': 'DPoP error="invalid_dpop_proof"' });
    }
    call.proof = claims;
    const target = new URL(request.url);
    const token = request.authorization?.startsWith('DPoP ') ? request.authorization.slice(5) : undefined;
    const bad =
      jtis.has(claims.jti) ||
      claims.htm !== request.method ||
      claims.htu !== `${target.origin}${target.pathname}` ||
      token === undefined ||
      claims.ath !== createHash('sha256').update(token).digest('base64url');
    jtis.add(claims.jti);
    if (bad) return answer(401, { 'WWW-Authenticate': 'DPoP error="invalid_dpop_proof"' });
    if (nonce !== undefined && claims.nonce !== nonce) {
      return answer(401, { 'WWW-Authenticate': 'DPoP error="use_dpop_nonce"', ...withNonce });
    }
    if (token !== valid()) return answer(401, { 'WWW-Authenticate': 'DPoP error="invalid_token"' });
    return answer(200, withNonce);
  };
  return { check, calls };
}
