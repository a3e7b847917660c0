import { base64url } from './base64url.js';
import type { KeyMaterial } from './keys/key-material.js';

/** The claims of one DPoP proof (RFC 9449 §4.2). */
export interface ProofClaims {
  htm: string;
  htu: string;
  /** Seconds since the epoch, on the server's clock when known. */
  iat: number;
  nonce?: string | undefined;
  /** The access token the proof accompanies (resource requests); hashed into `ath`, never included. */
  accessToken?: string | undefined;
}

/**
 * Signs a new DPoP proof JWT: `typ: dpop+jwt`, `alg: ES256`, the public `jwk`, and a fresh `jti`
 * on every call (a proof is never reused, not even for a retry).
 */
export async function signProof(key: KeyMaterial, claims: ProofClaims): Promise<string> {
  const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: key.jwk };
  const payload: Record<string, string | number | undefined> = {
    jti: crypto.randomUUID(),
    htm: claims.htm,
    htu: claims.htu,
    iat: claims.iat,
    // JSON.stringify leaves out an undefined nonce.
    nonce: claims.nonce,
  };
  if (claims.accessToken !== undefined) {
    payload.ath = base64url(
      await crypto.subtle.digest('SHA-256', new TextEncoder().encode(claims.accessToken)),
    );
  }
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  // WebCrypto ECDSA signatures are already r || s (IEEE P1363), the JWS ES256 format (RFC 7518 §3.4).
  const signature = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    key.privateKey,
    new TextEncoder().encode(input),
  );
  return `${input}.${base64url(signature)}`;
}
