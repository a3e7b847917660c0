import { base64url, sha256, utf8 } from './base64url.js';
import { ES256_SIGNATURE, type KeyMaterial } from './keys/key-material.js';

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
export async function signProof(key: KeyMaterial, { accessToken, ...claims }: ProofClaims): Promise<string> {
  // JSON.stringify leaves out an undefined nonce.
  const payload: Record<string, string | number | undefined> = { jti: crypto.randomUUID(), ...claims };
  if (accessToken !== undefined) payload.ath = await sha256(accessToken);
  const input = `${key.header}.${base64url(JSON.stringify(payload))}`;
  // WebCrypto ECDSA signatures are already r || s (IEEE P1363), the JWS ES256 format (RFC 7518 §3.4).
  const signature = await crypto.subtle.sign(ES256_SIGNATURE, key.privateKey, utf8(input));
  return `${input}.${base64url(signature)}`;
}
