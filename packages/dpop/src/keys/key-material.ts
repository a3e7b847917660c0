import { base64url, sha256 } from '../base64url.js';
import { DPoPUnsupportedKeyError } from '../errors/dpop-unsupported-key-error.js';
import type { DPoPCryptoKey, DPoPKeyPair } from './key-store.js';

/** The public part of an ES256 key as a JWK: exactly the members RFC 7638 hashes, nothing private. */
export interface PublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
}

/**
 * A Node.js `KeyObject` holding an ES256 private key, described structurally so that browser
 * bundles never import `node:crypto`.
 */
export interface KeyObjectLike {
  readonly type: string;
  export(options: { format: 'jwk' }): unknown;
}

/** What proofs are signed with: the private key, the proofs' JWS header and the JWK thumbprint (`jkt`). */
export interface KeyMaterial {
  readonly privateKey: CryptoKey;
  /** The base64url JWS protected header of every proof: `typ: dpop+jwt`, `alg: ES256` and the public `jwk`. */
  readonly header: string;
  /** RFC 7638 SHA-256 thumbprint of the public JWK, the `cnf.jkt` the server binds tokens to. */
  readonly thumbprint: string;
  /** What it was made from: the pair a key store holds (a `KeyObject` given as `key` is never stored). */
  readonly pair: DPoPKeyPair;
}

const ES256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
/** The signature algorithm of ES256 (RFC 7518 §3.4) for WebCrypto. */
export const ES256_SIGNATURE = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** A new ES256 key pair whose private key cannot be exported. */
export function generateKeyPair(): Promise<DPoPKeyPair> {
  return crypto.subtle.generateKey(ES256, false, ['sign', 'verify']);
}

/**
 * Whether `key` is an ES256 (ECDSA P-256) private key with the `sign` usage: what `toKeyMaterial`
 * requires, checked synchronously so a key store can test a stored key inside its transaction.
 */
export function canSignES256(key: DPoPCryptoKey | undefined): boolean {
  const algorithm = key?.algorithm as Partial<EcKeyAlgorithm> | undefined;
  return (
    key?.type === 'private' &&
    algorithm?.name === 'ECDSA' &&
    algorithm.namedCurve === 'P-256' &&
    key.usages.includes('sign')
  );
}

/**
 * Checks a key pair or a private `KeyObject` and derives what proofs need from it.
 *
 * @throws {DPoPUnsupportedKeyError} unless it is an ES256 (P-256) private key that can sign, and
 *   (a pair) its public key is that private key's.
 */
export async function toKeyMaterial(key: DPoPKeyPair | KeyObjectLike): Promise<KeyMaterial> {
  let privateKey: CryptoKey;
  let publicJwk: PublicJwk;
  try {
    let jwk: JsonWebKey;
    if (typeof (key as KeyObjectLike).export === 'function') {
      jwk = (key as KeyObjectLike).export({ format: 'jwk' }) as JsonWebKey;
      // WebCrypto refuses a JWK of another type or curve; a public KeyObject has no `d`.
      privateKey = await crypto.subtle.importKey('jwk', jwk.d ? jwk : {}, ES256, false, ['sign']);
    } else {
      privateKey = (key as DPoPKeyPair).privateKey as CryptoKey;
      jwk = await crypto.subtle.exportKey('jwk', (key as DPoPKeyPair).publicKey as CryptoKey);
    }
    // canSignES256 written out: a call costs bytes in createDPoP's bundle, which is at its ceiling.
    const algorithm = privateKey.algorithm as EcKeyAlgorithm;
    if (
      privateKey.type !== 'private' ||
      algorithm.name !== 'ECDSA' ||
      algorithm.namedCurve !== 'P-256' ||
      !privateKey.usages.includes('sign') ||
      jwk.crv !== 'P-256'
    ) {
      throw new TypeError('not an ES256 private key with the sign usage');
    }
    // RFC 7638 §3.2: the required members in lexicographic order; JSON.stringify adds no whitespace.
    publicJwk = { crv: 'P-256', kty: 'EC', x: jwk.x as string, y: jwk.y as string };
    // A pair whose public key is not its private key's (two pairs mixed up) would sign proofs that
    // every server refuses, each with a confusing invalid_dpop_proof: one signature checked per load.
    const data = new Uint8Array();
    const signature = await crypto.subtle.sign(ES256_SIGNATURE, privateKey, data);
    const verifier = await crypto.subtle.importKey('jwk', publicJwk, ES256, false, ['verify']);
    if (!(await crypto.subtle.verify(ES256_SIGNATURE, verifier, signature, data))) {
      throw new TypeError('mismatched key pair');
    }
  } catch (cause) {
    throw new DPoPUnsupportedKeyError(cause);
  }
  return {
    privateKey,
    header: base64url(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: publicJwk })),
    thumbprint: await sha256(JSON.stringify(publicJwk)),
    pair: key as DPoPKeyPair,
  };
}
