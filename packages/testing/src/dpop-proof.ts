import { calculateJwkThumbprint, EmbeddedJWK, type JWK, jwtVerify } from 'jose';
import { sha256Base64url } from './base64url.js';
import { randomToken } from './random-token.js';

/** Proof algorithms accepted: oidc-provider 9's default `dPoPSigningAlgValues`. */
export const DPOP_ALGORITHMS = ['ES256', 'Ed25519', 'EdDSA'] as const;

/** Seconds a proof without a nonce may be off the server's clock (oidc-provider's `CHALLENGE_OK_WINDOW`). */
const IAT_WINDOW = 300;

/** The server's DPoP state: its nonces (one for the token endpoint, one for the APIs) and the `jti`s seen. */
export class DPoPState {
  readonly requireNonce: boolean;
  #nonces = { token: randomToken(16), api: randomToken(16) };
  readonly #seen = new Set<string>();

  constructor(requireNonce: boolean) {
    this.requireNonce = requireNonce;
  }

  /** The current nonce of the token endpoint (`'token'`) or of every `protectedApi` (`'api'`). */
  nonce(where: 'token' | 'api'): string {
    return this.#nonces[where];
  }

  /** New nonces for both: a proof with an old one is answered `use_dpop_nonce`. */
  rotate(): void {
    this.#nonces = { token: randomToken(16), api: randomToken(16) };
  }

  /** Records a proof's `jti` for its client; false when it was seen before (a replayed proof). */
  firstUse(clientId: string, jti: string): boolean {
    const key = `${clientId} ${jti}`;
    if (this.#seen.has(key)) return false;
    this.#seen.add(key);
    return true;
  }

  /** Forgets every `jti` (`auth.reset()`); the nonces stay. */
  clear(): void {
    this.#seen.clear();
  }
}

/** A proof the server accepted. Holds no proof, token or key material beyond the public thumbprint. */
export interface VerifiedProof {
  /** RFC 7638 SHA-256 thumbprint of the proof's key: the `cnf.jkt` it binds to. */
  readonly jkt: string;
  readonly jti: string;
  /** The current nonce to send back (`DPoP-Nonce`) when the proof did not carry it. */
  readonly nextNonce?: string;
}

/** A proof refused: `invalid_dpop_proof`, or `use_dpop_nonce` with the nonce to send (`DPoP-Nonce`). */
export class DPoPProofError extends Error {
  override readonly name = 'DPoPProofError';
  readonly error: 'invalid_dpop_proof' | 'use_dpop_nonce';
  readonly nonce: string | undefined;

  constructor(error: 'invalid_dpop_proof' | 'use_dpop_nonce', description: string, nonce?: string) {
    super(description);
    this.error = error;
    this.nonce = nonce;
  }
}

/** What a proof must match. */
export interface ProofExpectations {
  readonly method: string;
  /** The URL the request went to; query and fragment are ignored (RFC 9449 §4.3). */
  readonly url: string;
  /** Epoch ms, the server's clock. */
  readonly now: number;
  readonly nonce: string;
  readonly requireNonce: boolean;
  /** For a resource request: the proof's `ath` must be the token's SHA-256. */
  readonly accessToken?: string;
}

/**
 * Verifies one `DPoP` header in oidc-provider 9's order (`helpers/validate_dpop.js`): signature with
 * the embedded public key, `typ: dpop+jwt`, algorithm, `iat`, `jti`, a nonce-less proof's `iat`
 * within 300 s (else `use_dpop_nonce`), `htm`, `htu`, `ath`, then the nonce. The `jti` replay
 * check is the caller's (`DPoPState.firstUse`), as it needs the client.
 * @throws {DPoPProofError}
 */
export async function verifyProof(proof: string, expected: ProofExpectations): Promise<VerifiedProof> {
  let jwk: JWK;
  let claims: Record<string, unknown>;
  try {
    const verified = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: [...DPOP_ALGORITHMS],
    });
    jwk = verified.protectedHeader.jwk as JWK;
    claims = verified.payload;
  } catch {
    throw new DPoPProofError('invalid_dpop_proof', 'invalid DPoP key binding');
  }
  const invalid = (description: string) => new DPoPProofError('invalid_dpop_proof', description);
  if (typeof claims.iat !== 'number' || !claims.iat)
    throw invalid('DPoP proof must have a iat number property');
  if (typeof claims.jti !== 'string' || !claims.jti)
    throw invalid('DPoP proof must have a jti string property');
  if (claims.nonce !== undefined && typeof claims.nonce !== 'string') {
    throw invalid('DPoP proof nonce must be a string');
  }
  if (!claims.nonce && Math.abs(expected.now / 1000 - claims.iat) > IAT_WINDOW) {
    throw new DPoPProofError(
      'use_dpop_nonce',
      'DPoP proof iat is not recent enough, use a DPoP nonce instead',
      expected.nonce,
    );
  }
  if (claims.htm !== expected.method) throw invalid('DPoP proof htm mismatch');
  if (typeof claims.htu !== 'string' || withoutQuery(claims.htu) !== withoutQuery(expected.url)) {
    throw invalid('DPoP proof htu mismatch');
  }
  if (expected.accessToken !== undefined && claims.ath !== (await sha256Base64url(expected.accessToken))) {
    throw invalid('DPoP proof ath mismatch');
  }
  if (!claims.nonce && expected.requireNonce) {
    throw new DPoPProofError('use_dpop_nonce', 'nonce is required in the DPoP proof', expected.nonce);
  }
  if (claims.nonce && claims.nonce !== expected.nonce) {
    throw new DPoPProofError('use_dpop_nonce', 'invalid nonce in DPoP proof', expected.nonce);
  }
  const jkt = await calculateJwkThumbprint(jwk, 'sha256');
  return claims.nonce === expected.nonce
    ? { jkt, jti: claims.jti }
    : { jkt, jti: claims.jti, nextNonce: expected.nonce };
}

/** The URL without query and fragment, normalised; '' when it is not a URL. */
function withoutQuery(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.search = '';
    parsed.hash = '';
    return parsed.href;
  } catch {
    return '';
  }
}
