import { createPrivateKey, createPublicKey, type JsonWebKey, KeyObject, sign, verify } from 'node:crypto';
import type { SigningAlgorithm } from './client-credentials-options.js';

/** A private key ready to sign client assertions. */
export interface SigningKey {
  key: KeyObject;
  alg: SigningAlgorithm;
  kid: string | undefined;
}

/** Algorithms each key type can sign with; the first is the default. */
const ALGORITHMS: Record<string, readonly SigningAlgorithm[]> = {
  rsa: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
  'ec:prime256v1': ['ES256'],
  'ec:secp384r1': ['ES384'],
  'ec:secp521r1': ['ES512'],
  ed25519: ['EdDSA', 'Ed25519'],
};

/**
 * Reads `privateKey` (PEM, private JWK or `KeyObject`) and picks the signing algorithm, so a wrong
 * key fails when the client is created rather than on the first token request.
 *
 * @throws {TypeError} the key cannot be read (a Buffer or a CryptoKey included), is not private, is an RSA key under
 * 2048 bits, is a JWK not for signing (`use`, `key_ops`), has a `kid` or `alg` that is not a string,
 * does not fit `alg`, or fails a signature it should verify. The message never
 * contains key material.
 */
export function toSigningKey(
  privateKey: string | JsonWebKey | KeyObject,
  alg: SigningAlgorithm | undefined,
  keyId: string | undefined,
): SigningKey {
  const key = readKey(privateKey);
  const type =
    key.asymmetricKeyType === 'ec'
      ? `ec:${key.asymmetricKeyDetails?.namedCurve}`
      : String(key.asymmetricKeyType);
  const allowed = ALGORITHMS[type];
  if (!allowed) {
    throw new TypeError(
      `clientCredentials: privateKey of type ${type} is not supported; use an RSA (it signs PS256 too), EC (P-256, P-384, P-521) or Ed25519 key`,
    );
  }
  // jose signs RS* and PS* only with 2048 bits or more: said here, not at the first token request.
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (bits !== undefined && bits < 2048) {
    throw new TypeError(
      `clientCredentials: privateKey is a ${bits}-bit ${type} key; RSA keys need 2048 bits or more`,
    );
  }
  const jwk = isJwk(privateKey) ? privateKey : undefined;
  // RFC 7517 §4.2, §4.3: a key that says it is not for signing is refused, not used anyway.
  const ops = jwk?.key_ops;
  if ((jwk?.use ?? 'sig') !== 'sig' || (ops !== undefined && !(Array.isArray(ops) && ops.includes('sign')))) {
    throw new TypeError('clientCredentials: privateKey is a JWK whose "use" or "key_ops" is not for signing');
  }
  // A `kid` that is not a string (a number) was dropped without a word, and the server could not
  // pick the key by it: refused, as an `alg` that is not one, whichever option or member gave it.
  // Typed as they must be; checked just below.
  const kid = (keyId ?? jwk?.kid) as string | undefined;
  const chosen = (alg ?? jwk?.alg ?? allowed[0]) as SigningAlgorithm;
  for (const [name, value, option] of [
    ['kid', kid, 'keyId'],
    ['alg', chosen, 'signingAlgorithm'],
  ]) {
    if (value !== undefined && typeof value !== 'string') {
      throw new TypeError(
        `clientCredentials: the JWK's ${name} or ${option} is a ${typeof value}, not a string`,
      );
    }
  }
  if (!allowed.includes(chosen)) {
    throw new TypeError(
      `clientCredentials: signingAlgorithm ${chosen} does not fit a ${type} key; use one of ${allowed.join(', ')}`,
    );
  }
  assertKeyPair(key, chosen);
  return { key, alg: chosen, kid };
}

/**
 * Signs and verifies once with `key` and its own public part. Node reads a JWK whose members come from
 * two keys (an EC `d` of one with the `x`, `y` of another, a changed RSA `n`) without a complaint, and
 * every assertion it signs would be refused as `invalid_client`: a wrong key fails at creation instead.
 */
function assertKeyPair(key: KeyObject, alg: SigningAlgorithm): void {
  const digest = alg.startsWith('Ed') ? undefined : `sha${alg.slice(2)}`;
  const data = Buffer.from('tessera');
  let reason = 'its public part does not verify what it signs (a damaged key, or members of two keys)';
  try {
    if (verify(digest, data, createPublicKey(key), sign(digest, data, key))) return;
  } catch (error) {
    reason = error instanceof Error ? error.message : 'unusable';
  }
  throw new TypeError(`clientCredentials: privateKey cannot sign ${alg} assertions: ${reason}`);
}

function readKey(privateKey: string | JsonWebKey | KeyObject): KeyObject {
  if (privateKey instanceof KeyObject) {
    if (privateKey.type !== 'private') {
      throw new TypeError(
        `clientCredentials: privateKey is a ${privateKey.type} KeyObject; pass a private key`,
      );
    }
    return privateKey;
  }
  if (ArrayBuffer.isView(privateKey)) {
    // `readFileSync(path)` without an encoding: not a JWK without "d", as it would otherwise be called.
    throw new TypeError(
      "clientCredentials: privateKey is a Buffer; pass the PEM as a string (readFileSync(path, 'utf8')), a private JWK or a KeyObject",
    );
  }
  // A `CryptoKey` (jose's `importPKCS8`, WebCrypto) or Node's `{ key, passphrase }` is no JWK: not
  // "a public JWK without d", as it would otherwise be called.
  if (isJwk(privateKey) && typeof privateKey.kty !== 'string') {
    throw new TypeError(
      'clientCredentials: privateKey is an object but not a JWK (no "kty"); pass a KeyObject (KeyObject.from(cryptoKey) for a CryptoKey, createPrivateKey({ key, passphrase }) for an encrypted PEM), a PEM string or a private JWK',
    );
  }
  if (isJwk(privateKey) && typeof privateKey.d !== 'string') {
    throw new TypeError('clientCredentials: privateKey is a public JWK (no "d"); pass the private JWK');
  }
  try {
    return typeof privateKey === 'string'
      ? createPrivateKey(privateKey)
      : createPrivateKey({ key: privateKey, format: 'jwk' });
  } catch (error) {
    // Node's message names the parsing step or the JWK member, then may say what it "Received"
    // there: the start of a private member's value when it is not a string. That part is cut.
    const reason = error instanceof Error ? error.message.replace(/\.? Received[\s\S]*$/, '') : 'unreadable';
    throw new TypeError(
      `clientCredentials: privateKey is not a readable private key (PEM, JWK or KeyObject): ${reason}`,
    );
  }
}

function isJwk(value: unknown): value is JsonWebKey {
  return typeof value === 'object' && value !== null && !(value instanceof KeyObject);
}
