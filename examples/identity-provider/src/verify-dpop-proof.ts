import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, type JWK, jwtVerify } from 'jose';

/** How far a proof's `iat` may be from the API's clock, in seconds. */
const IAT_WINDOW_SECONDS = 60;

/** What one request presented: its method, its URL without query, its token and its `DPoP` header. */
export interface DPoPRequest {
  method: string;
  /** `origin + pathname` of the request as the API received it. */
  url: string;
  accessToken: string;
  proof: string | undefined;
  /** The token's `cnf.jkt`. */
  jkt: string;
  /** The nonce the proof must carry (RFC 9449 §9); `undefined` = none required. */
  nonce?: string | undefined;
}

/**
 * The verdict on one proof: its `jti`, or the reason it was refused (never the proof or the token).
 * `challenge: 'use_dpop_nonce'`: the proof lacks the current nonce; answer with a challenge and the nonce.
 */
export type DPoPVerdict =
  | { ok: true; jti: string }
  | { ok: false; reason: string; challenge?: 'use_dpop_nonce' };

/**
 * Checks a DPoP proof (RFC 9449 §4.3) for one request: the signature with its embedded ES256 key,
 * `typ`, `htm`, `htu`, `iat` within 60 s, a `jti` never seen (`seen` remembers them), `ath` of the token
 * sent, the key's thumbprint equal to the token's `cnf.jkt`, and, when `request.nonce` is set, a
 * `nonce` claim equal to it (checked after the signature, `htm`, `htu` and `iat`: `'nonce missing'`
 * or `'nonce stale'`, with `challenge: 'use_dpop_nonce'`).
 */
export async function verifyDPoPProof(
  request: DPoPRequest,
  seen: Set<string>,
  now: () => number = Date.now,
): Promise<DPoPVerdict> {
  if (!request.proof) return { ok: false, reason: 'no DPoP header' };
  let payload: Record<string, unknown>;
  let jwk: JWK;
  try {
    const verified = await jwtVerify(request.proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: ['ES256'],
    });
    payload = verified.payload;
    jwk = verified.protectedHeader.jwk as JWK;
  } catch {
    return { ok: false, reason: 'not a valid ES256 dpop+jwt' };
  }
  const { jti, htm, htu, iat, ath, nonce } = payload;
  if (typeof jti !== 'string' || !jti) return { ok: false, reason: 'jti' };
  if (seen.has(jti)) return { ok: false, reason: 'jti replayed' };
  seen.add(jti);
  if (htm !== request.method) return { ok: false, reason: 'htm' };
  if (htu !== request.url) return { ok: false, reason: 'htu' };
  if (typeof iat !== 'number' || Math.abs(now() / 1000 - iat) > IAT_WINDOW_SECONDS) {
    return { ok: false, reason: 'iat' };
  }
  if (request.nonce !== undefined && nonce !== request.nonce) {
    const reason = nonce === undefined ? 'nonce missing' : 'nonce stale';
    return { ok: false, reason, challenge: 'use_dpop_nonce' };
  }
  if (ath !== createHash('sha256').update(request.accessToken).digest('base64url')) {
    return { ok: false, reason: 'ath' };
  }
  if ((await calculateJwkThumbprint(jwk, 'sha256')) !== request.jkt) return { ok: false, reason: 'cnf.jkt' };
  return { ok: true, jti };
}
