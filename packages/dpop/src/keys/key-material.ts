import { base64url } from '../base64url.js';
import { DPoPUnsupportedKeyError } from '../errors/dpop-unsupported-key-error.js';

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
  readonly asymmetricKeyType?: string | undefined;
  export(options: { format: 'jwk' }): unknown;
}

/** What proofs are signed with: the private key, its public JWK and the JWK thumbprint (`jkt`). */
export interface KeyMaterial {
  readonly privateKey: CryptoKey;
  readonly jwk: PublicJwk;
  /** RFC 7638 SHA-256 thumbprint of `jwk`, the `cnf.jkt` the server binds tokens to. */
  readonly thumbprint: string;
}

const ES256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** A new ES256 key pair whose private key cannot be exported. */
export async function generateKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(ES256, false, ['sign', 'verify']);
}

/** Checks a key pair or a `KeyObject` and derives what proofs need from it. */
export async function toKeyMaterial(key: CryptoKeyPair | KeyObjectLike): Promise<KeyMaterial> {
  if (isKeyObject(key)) return fromKeyObject(key);
  const { privateKey, publicKey } = (key ?? {}) as Partial<CryptoKeyPair>;
  if (!isCryptoKey(privateKey) || privateKey.type !== 'private' || !isCryptoKey(publicKey)) {
    throw new DPoPUnsupportedKeyError('expected a CryptoKeyPair or a private KeyObject');
  }
  const algorithm = privateKey.algorithm as Partial<EcKeyAlgorithm>;
  if (algorithm.name !== 'ECDSA' || algorithm.namedCurve !== 'P-256') {
    throw new DPoPUnsupportedKeyError(
      `the private key is ${algorithm.name} ${algorithm.namedCurve ?? ''}`.trim(),
    );
  }
  if (!privateKey.usages.includes('sign')) {
    throw new DPoPUnsupportedKeyError('the private key lacks the "sign" usage');
  }
  return withThumbprint(privateKey, publicJwkOf(await crypto.subtle.exportKey('jwk', publicKey)));
}

async function fromKeyObject(key: KeyObjectLike): Promise<KeyMaterial> {
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ec') {
    throw new DPoPUnsupportedKeyError(
      `the KeyObject is a ${key.type} ${key.asymmetricKeyType ?? ''} key`.trim(),
    );
  }
  const jwk = key.export({ format: 'jwk' }) as JsonWebKey;
  if (jwk.crv !== 'P-256') throw new DPoPUnsupportedKeyError(`the KeyObject's curve is ${jwk.crv}`);
  const privateKey = await crypto.subtle.importKey('jwk', jwk, ES256, false, ['sign']);
  return withThumbprint(privateKey, publicJwkOf(jwk));
}

function publicJwkOf(jwk: JsonWebKey): PublicJwk {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y) {
    throw new DPoPUnsupportedKeyError('the public key is not an EC P-256 key');
  }
  return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
}

async function withThumbprint(privateKey: CryptoKey, jwk: PublicJwk): Promise<KeyMaterial> {
  // RFC 7638 §3.2: the required members in lexicographic order, no whitespace.
  const canonical = `{"crv":"${jwk.crv}","kty":"${jwk.kty}","x":"${jwk.x}","y":"${jwk.y}"}`;
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical));
  return { privateKey, jwk, thumbprint: base64url(digest) };
}

function isCryptoKey(value: unknown): value is CryptoKey {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as CryptoKey).type === 'string' &&
    typeof (value as CryptoKey).algorithm === 'object' &&
    Array.isArray((value as CryptoKey).usages)
  );
}

function isKeyObject(value: unknown): value is KeyObjectLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as KeyObjectLike).export === 'function' &&
    typeof (value as KeyObjectLike).type === 'string' &&
    !('privateKey' in value)
  );
}
