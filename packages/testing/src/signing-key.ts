import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';

const ALGORITHM = 'ES256';

interface KeyPair {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

/** What `SigningKey.verify` checks besides the signature. */
export interface VerifyOptions {
  issuer: string;
  /** Epoch ms to check `exp` against. */
  now: number;
}

/**
 * One ES256 key pair per server, generated with WebCrypto on first use and cached. Signs access
 * tokens as RFC 9068 JWTs (`typ: at+jwt`) and ID tokens, and verifies access tokens.
 */
export class SigningKey {
  #pair: Promise<KeyPair> | undefined;

  /**
   * Signs `claims` (`iat`/`exp` included) as a compact JWT: an access token (`typ: at+jwt`) unless
   * told otherwise (`JWT` for an ID token).
   */
  async sign(claims: JWTPayload, typ = 'at+jwt'): Promise<string> {
    const { privateKey, publicJwk } = await this.#keyPair();
    const header = { alg: ALGORITHM, typ, ...(publicJwk.kid ? { kid: publicJwk.kid } : {}) };
    return new SignJWT(claims).setProtectedHeader(header).sign(privateKey);
  }

  /**
   * Verifies signature, `typ`, `iss` and `exp` (no tolerance) and returns the claims.
   * @throws jose's `JWTExpired` for an expired token, another jose error for anything else.
   */
  async verify(token: string, options: VerifyOptions): Promise<JWTPayload> {
    const { publicKey } = await this.#keyPair();
    const { payload } = await jwtVerify(token, publicKey, {
      algorithms: [ALGORITHM],
      typ: 'at+jwt',
      issuer: options.issuer,
      currentDate: new Date(options.now),
    });
    return payload;
  }

  /** The public key as a JWK Set, for the JWKS endpoint. */
  async jwks(): Promise<{ keys: JWK[] }> {
    const { publicJwk } = await this.#keyPair();
    return { keys: [publicJwk] };
  }

  #keyPair(): Promise<KeyPair> {
    this.#pair ??= generate();
    return this.#pair;
  }
}

async function generate(): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(ALGORITHM);
  const jwk = await exportJWK(publicKey);
  const publicJwk: JWK = { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: ALGORITHM, use: 'sig' };
  return { privateKey, publicKey, publicJwk };
}
