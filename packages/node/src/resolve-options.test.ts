import { generateKeyPairSync, KeyObject, webcrypto } from 'node:crypto';
import { memoryStorage } from '@tessera/core';
import { createDPoP } from '@tessera/dpop';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  CLIENT_CREDENTIALS_OPTION_KEYS,
  type ClientCredentialsOptions,
  type TOKEN_TARGET_KEYS,
  type TokenTarget,
} from './client-credentials-options.js';
import { resolveOptions } from './resolve-options.js';

const SECRET = 'very-secret-value';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const base = { tokenUrl: 'https://auth.test/token', clientId: 'svc' };

function problem(options: Record<string, unknown>): string {
  try {
    resolveOptions(options as unknown as ClientCredentialsOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).not.toContain(SECRET);
    return (error as Error).message;
  }
  throw new Error('expected the options to be rejected');
}

describe('options', () => {
  it.each([
    [
      { ...base, clientSecret: SECRET, issuer: 'https://auth.test' },
      'pass either tokenUrl or issuer, not both',
    ],
    [{ clientId: 'svc', clientSecret: SECRET }, 'pass tokenUrl (the token endpoint) or issuer'],
    [{ ...base, clientId: '', clientSecret: SECRET }, 'clientId is required'],
    [{ ...base, clientId: ' \t', clientSecret: SECRET }, 'clientId is required'],
    [
      { ...base, clientId: ' svc', clientSecret: SECRET },
      'clientCredentials: clientId " svc" must not begin or end with whitespace',
    ],
    [
      { ...base, clientId: 'svc\n', clientSecret: SECRET },
      'clientCredentials: clientId "svc\\n" must not begin or end with whitespace',
    ],
    [
      { ...base, tokenUrl: 'auth.test/token', clientSecret: SECRET },
      'clientCredentials: tokenUrl must be an absolute URL such as https://auth.example.com/oauth/token',
    ],
    [
      { ...base, tokenUrl: 'http://auth.test/token', clientSecret: SECRET },
      'clientCredentials: tokenUrl uses http: to auth.test, which would send credentials and tokens in clear text: use https:, or pass allowInsecureHttp: true',
    ],
    [
      { ...base, tokenUrl: undefined, issuer: 'http://auth.test', clientSecret: SECRET },
      'clientCredentials: issuer uses http: to auth.test',
    ],
    // Refused by discover() at every token request before: refused here, at creation, without the query.
    [
      { ...base, tokenUrl: undefined, issuer: `https://auth.test/?api_key=${SECRET}`, clientSecret: 's' },
      'clientCredentials: issuer must not have a query (RFC 8414 §2)',
    ],
    [
      { ...base, tokenUrl: `https://svc:${SECRET}@auth.test/token`, clientSecret: SECRET },
      'clientCredentials: tokenUrl must not contain a user name or password',
    ],
    [
      { ...base, clientSecert: SECRET },
      'clientCredentials: unknown option "clientSecert" — did you mean "clientSecret"?',
    ],
    [{ ...base, clientSecret: SECRET, scopes: 'read' }, 'unknown option "scopes" — did you mean "scope"?'],
    [{ ...base, clientSecret: SECRET, refreshMarign: 10 }, 'did you mean "refreshMargin"?'],
    [{ ...base, clientSecret: SECRET, tokenURL: 'x' }, 'did you mean "tokenUrl"?'],
    [
      { ...base, clientSecret: SECRET, httpClient: {} },
      'httpClient (an axios instance) was replaced by fetch',
    ],
    [
      { ...base, clientSecret: SECRET, zzzzzzzzz: 1 },
      'unknown option "zzzzzzzzz" — known options: tokenUrl, issuer',
    ],
    [{ ...base, clientSecret: SECRET, fetch: 'undici' }, 'fetch must be a fetch function'],
    [{ ...base, clientSecret: SECRET, maxTargets: -1 }, 'maxTargets must be a whole number ≥ 0, or Infinity'],
    [
      { ...base, clientSecret: SECRET, maxTargets: 1.5 },
      'maxTargets must be a whole number ≥ 0, or Infinity',
    ],
    [
      { ...base, clientSecret: SECRET, maxTargets: '10' },
      'maxTargets must be a whole number ≥ 0, or Infinity',
    ],
    [
      { ...base, clientSecret: SECRET, dpop: { scheme: 'DPoP' } },
      'dpop must be createDPoP({ key }) from @tessera/dpop',
    ],
    [{ ...base, clientSecret: SECRET, dpop: true }, 'dpop must be createDPoP({ key }) from @tessera/dpop'],
    [
      { ...base, clientSecret: SECRET, dpop: createDPoP(), fetch },
      'pass fetch to createDPoP({ fetch }) instead: with dpop, token requests go through dpop.fetch',
    ],
    [{ ...base }, 'authMethod client_secret_basic needs clientSecret'],
    [
      { ...base, authMethod: 'client_secret_post', clientSecret: '' },
      'authMethod client_secret_post needs clientSecret',
    ],
    [{ ...base, authMethod: 'private_key_jwt', clientSecret: SECRET }, 'private_key_jwt needs privateKey'],
    [
      { ...base, privateKey: rsa.privateKey, clientSecret: SECRET },
      'clientSecret is not used with private_key_jwt',
    ],
    [
      { ...base, authMethod: 'client_secret_basic', clientSecret: SECRET, privateKey: rsa.privateKey },
      'privateKey is only used with private_key_jwt',
    ],
    [{ ...base, clientSecret: SECRET, keyId: 'k' }, 'keyId is only used with private_key_jwt'],
    // A secret read from a file or a `.env` line, with its line break: refused without showing it.
    [
      { ...base, clientSecret: `${SECRET}\n` },
      'clientCredentials: clientSecret must not be blank, nor begin or end with a line break, a tab or other whitespace but a space',
    ],
    [{ ...base, clientSecret: `\t${SECRET}` }, 'clientSecret must not be blank, nor begin or end'],
    [{ ...base, authMethod: 'client_secret_post', clientSecret: '  ' }, 'clientSecret must not be blank'],
    [
      { ...base, privateKey: rsa.privateKey, keyId: '' },
      'keyId must not be blank; leave it out for the default',
    ],
    [{ ...base, privateKey: rsa.privateKey, keyId: 'k-2025\n' }, 'keyId "k-2025\\n" must not begin or end'],
    [{ ...base, privateKey: rsa.privateKey, assertionAudience: ' ' }, 'assertionAudience must not be blank'],
    [
      { ...base, privateKey: rsa.privateKey, assertionAudience: 'https://auth.test ' },
      'assertionAudience "https://auth.test " must not begin or end with whitespace',
    ],
    [{ ...base, authMethod: 'client_secret_jwt', clientSecret: SECRET }, 'authMethod must be one of'],
    // RFC 8705: the client certificate is the credential; a secret or key beside it is refused.
    [
      { ...base, authMethod: 'tls_client_auth', clientSecret: SECRET },
      'clientCredentials: clientSecret is not used with tls_client_auth; remove it',
    ],
    [
      { ...base, authMethod: 'self_signed_tls_client_auth', privateKey: rsa.privateKey },
      'privateKey is only used with private_key_jwt, not self_signed_tls_client_auth',
    ],
    [
      { ...base, authMethod: 'tls_client_auth', keyId: 'k' },
      'keyId is only used with private_key_jwt, not tls_client_auth',
    ],
    [
      { ...base, clientSecret: SECRET, extraParams: { client_secret: SECRET } },
      'extraParams must not set "client_secret"',
    ],
    [{ ...base, clientSecret: SECRET, timeout: -1 }, 'timeout must be a number of milliseconds'],
    // axios's 0 for "no timeout" made every token request time out at once.
    [
      { ...base, clientSecret: SECRET, timeout: 0 },
      'timeout must be a number of milliseconds > 0, or Infinity for none',
    ],
    [{ ...base, clientSecret: SECRET, resource: 'orders' }, 'resource "orders" must be an absolute URI'],
    [{ ...base, clientSecret: SECRET, resource: 'https://a.test/#x' }, 'without a fragment'],
    [{ ...base, clientSecret: SECRET, audience: '' }, 'audience must be a non-empty string'],
  ])('rejects %o: "%s"', (options, message) => {
    expect(problem(options)).toContain(message);
  });

  it.each([
    [rsa.publicKey, 'is a public KeyObject'],
    [{ ...rsa.publicKey.export({ format: 'jwk' }) }, 'is a public JWK'],
    ['-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----', 'is not a readable private key'],
    [generateKeyPairSync('ed448').privateKey, 'of type ed448 is not supported'],
    [
      generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey,
      'is a 1024-bit rsa key; RSA keys need 2048 bits',
    ],
    [
      Buffer.from('-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----'),
      'is a Buffer; pass the PEM as a string',
    ],
  ])('rejects an unusable private key without showing it (%#)', (privateKey, message) => {
    const text = problem({ ...base, privateKey });
    expect(text).toContain(message);
    expect(text).not.toContain('bm90IGEga2V5');
  });

  it('accepts a client secret with spaces around it: a space is a secret character (RFC 6749 VSCHAR)', () => {
    expect(resolveOptions({ ...base, clientSecret: ` ${SECRET} ` }).auth).toEqual({
      method: 'client_secret_basic',
      clientSecret: ` ${SECRET} `,
    });
  });

  it('says a CryptoKey or a { key, passphrase } is not a JWK, and how to pass it, instead of calling it a public JWK', async () => {
    // jose's importPKCS8 hands out a CryptoKey; a non-extractable one shows no members at all.
    const cryptoKey = await webcrypto.subtle.importKey(
      'pkcs8',
      rsa.privateKey.export({ format: 'der', type: 'pkcs8' }),
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const pem = rsa.privateKey.export({
      format: 'pem',
      type: 'pkcs8',
      cipher: 'aes-256-cbc',
      passphrase: SECRET,
    });
    for (const privateKey of [cryptoKey, { key: pem, passphrase: SECRET }]) {
      const text = problem({ ...base, privateKey });
      expect(text).toBe(
        'clientCredentials: privateKey is an object but not a JWK (no "kty"); pass a KeyObject (KeyObject.from(cryptoKey) for a CryptoKey, createPrivateKey({ key, passphrase }) for an encrypted PEM), a PEM string or a private JWK',
      );
    }
    // What the message says works.
    expect(resolveOptions({ ...base, privateKey: KeyObject.from(cryptoKey) }).auth.method).toBe(
      'private_key_jwt',
    );
  });

  it.each(['dispatcher', 'agent', 'httpsAgent', 'httpAgent'])(
    'answers %s (what other SDKs take for proxies, CAs and mTLS) with the undici fetch to pass instead',
    (key) => {
      expect(problem({ ...base, clientSecret: SECRET, [key]: {} })).toBe(
        `clientCredentials: unknown option "${key}" — for a proxy, a private CA or mTLS pass a fetch that uses an undici dispatcher: fetch: (url, init) => undiciFetch(url, { ...init, dispatcher }), fetch and dispatcher from one undici (README: Proxies, private CAs and mTLS)`,
      );
    },
  );

  it('names the unreadable part of a private JWK without the value Node received there', () => {
    const jwk = rsa.privateKey.export({ format: 'jwk' });
    // A prime parsed as a number (a JSON reader with big-number support, a hand-made key): Node's
    // message would print the first digits of the secret it received.
    const prime = 987_654_321_012_345;
    for (const p of [prime, BigInt(prime)]) {
      const text = problem({ ...base, privateKey: { ...jwk, p } });
      expect(text).toContain('is not a readable private key');
      expect(text).toContain('"key.p" property must be of type string');
      expect(text).not.toContain('98765');
    }
  });

  it('rejects a JWK whose members come from two keys, which Node reads without a complaint', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    const jwk = rsa.privateKey.export({ format: 'jwk' });
    const mixed = [
      [{ ...ec, d: other.d }, 'ES256'],
      [
        { ...jwk, n: `${jwk.n!.slice(0, 100)}${jwk.n![100] === 'A' ? 'B' : 'A'}${jwk.n!.slice(101)}` },
        'RS256',
      ],
    ] as const;
    for (const [privateKey, alg] of mixed) {
      const text = problem({ ...base, privateKey });
      expect(text).toBe(
        `clientCredentials: privateKey cannot sign ${alg} assertions: its public part does not verify what it signs (a damaged key, or members of two keys)`,
      );
      expect(text).not.toContain(privateKey.d!.slice(0, 8));
    }
  });

  it('refuses a JWK meant for encryption or only for verifying, at creation', () => {
    const jwk = rsa.privateKey.export({ format: 'jwk' });
    for (const privateKey of [
      { ...jwk, use: 'enc' },
      ...[['verify'], ['decrypt', 'unwrapKey'], [], 'sign'].map((key_ops) => ({ ...jwk, key_ops })),
    ]) {
      expect(problem({ ...base, privateKey })).toBe(
        'clientCredentials: privateKey is a JWK whose "use" or "key_ops" is not for signing',
      );
    }
    const signing = { ...jwk, use: 'sig', key_ops: ['sign'] };
    expect(resolveOptions({ ...base, privateKey: signing }).auth.method).toBe('private_key_jwt');
  });

  it('refuses a kid or alg that is not a string instead of dropping it, unless keyId or signingAlgorithm replaces it', () => {
    const jwk = rsa.privateKey.export({ format: 'jwk' });
    expect(problem({ ...base, privateKey: { ...jwk, kid: 42 } })).toBe(
      "clientCredentials: the JWK's kid or keyId is a number, not a string",
    );
    expect(problem({ ...base, privateKey: rsa.privateKey, keyId: 42 })).toBe(
      "clientCredentials: the JWK's kid or keyId is a number, not a string",
    );
    expect(problem({ ...base, privateKey: { ...jwk, alg: ['RS256'] } })).toBe(
      "clientCredentials: the JWK's alg or signingAlgorithm is a object, not a string",
    );
    const replaced = resolveOptions({
      ...base,
      privateKey: { ...jwk, kid: 42, alg: ['RS256'] } as never,
      keyId: '42',
      signingAlgorithm: 'PS256',
    });
    expect(replaced.auth).toMatchObject({ signingKey: { kid: '42', alg: 'PS256' } });
  });

  it('rejects an algorithm that does not fit the key', () => {
    expect(problem({ ...base, privateKey: rsa.privateKey, signingAlgorithm: 'ES256' })).toContain(
      'signingAlgorithm ES256 does not fit a rsa key',
    );
  });

  it('accepts http on loopback, and elsewhere with allowInsecureHttp: true', () => {
    for (const tokenUrl of ['http://127.0.0.1:8080/token', 'http://localhost/token', 'http://[::1]/token']) {
      expect(resolveOptions({ ...base, tokenUrl, clientSecret: SECRET }).tokenUrl).toBe(tokenUrl);
    }
    expect(
      resolveOptions({
        ...base,
        tokenUrl: 'http://auth.internal/token',
        clientSecret: SECRET,
        allowInsecureHttp: true,
      }).tokenUrl,
    ).toBe('http://auth.internal/token');
  });

  it('refuses, at creation, a storage that is one storage instead of a function of the key, and a lock without run', () => {
    const cache = {
      storage: (_key: string) => memoryStorage(),
      lock: { run: <T>(_: string, task: () => Promise<T>) => task() },
    };
    const secretly = { ...base, clientSecret: SECRET };
    expect(problem({ ...secretly, storage: cache.storage('svc') })).toBe(
      'clientCredentials: storage must be a function of the key: cache.storage, not cache.storage(key)',
    );
    expect(problem({ ...secretly, lock: cache })).toBe(
      'clientCredentials: lock must be a RefreshLock (with run), such as cache.lock',
    );
    expect(problem({ ...secretly, lock: null })).toContain('lock must be a RefreshLock');
    expect(() => resolveOptions({ ...secretly, storage: cache.storage, lock: cache.lock })).not.toThrow();
  });

  it('defaults to client_secret_basic with a secret and private_key_jwt with a key', () => {
    expect(resolveOptions({ ...base, clientSecret: SECRET }).auth.method).toBe('client_secret_basic');
    expect(resolveOptions({ ...base, privateKey: rsa.privateKey }).auth).toMatchObject({
      method: 'private_key_jwt',
      signingKey: { alg: 'RS256' },
    });
  });

  it('takes tls_client_auth and self_signed_tls_client_auth without a secret or key (RFC 8705)', () => {
    for (const authMethod of ['tls_client_auth', 'self_signed_tls_client_auth'] as const) {
      expect(resolveOptions({ ...base, authMethod }).auth).toEqual({ method: authMethod });
    }
  });

  it('knows every option key, so no valid option is called unknown', () => {
    type Known = (typeof CLIENT_CREDENTIALS_OPTION_KEYS)[number];
    expectTypeOf<Exclude<keyof ClientCredentialsOptions, Known>>().toEqualTypeOf<never>();
    expectTypeOf<Exclude<keyof TokenTarget, (typeof TOKEN_TARGET_KEYS)[number]>>().toEqualTypeOf<never>();
    expect(new Set(CLIENT_CREDENTIALS_OPTION_KEYS).size).toBe(CLIENT_CREDENTIALS_OPTION_KEYS.length);
  });

  it('defaults the token request timeout to 10 s', () => {
    expect(resolveOptions({ ...base, clientSecret: SECRET }).timeout).toBe(10_000);
  });
});
