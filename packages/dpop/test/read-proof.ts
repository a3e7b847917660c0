// Test helper: verifies a DPoP proof's signature with jose against its embedded key and returns it.
import { calculateJwkThumbprint, EmbeddedJWK, type JWK, jwtVerify } from 'jose';

export interface ReadProof {
  header: { typ?: string; alg?: string; jwk?: JWK };
  claims: { jti?: string; htm?: string; htu?: string; iat?: number; nonce?: string; ath?: string };
  /** RFC 7638 thumbprint of the embedded key. */
  jkt: string;
}

export async function readProof(proof: string | null | undefined): Promise<ReadProof> {
  if (!proof) throw new Error('no DPoP proof was sent');
  const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, {
    typ: 'dpop+jwt',
    algorithms: ['ES256'],
  });
  const jwk = protectedHeader.jwk as JWK;
  return {
    header: protectedHeader as ReadProof['header'],
    claims: payload as ReadProof['claims'],
    jkt: await calculateJwkThumbprint(jwk, 'sha256'),
  };
}

/** base64url(SHA-256(token)), the `ath` a proof for `token` must carry. */
export async function athOf(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return Buffer.from(digest).toString('base64url');
}
