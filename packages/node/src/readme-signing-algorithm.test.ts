// The README's options table says which algorithm a `private_key_jwt` assertion is signed with when
// `signingAlgorithm` is left out; this signs one per key type and keeps that row equal to what the client does.
// An RSA-PSS `KeyObject` (jose cannot sign with one: "Unsupported JWK Key Type" at the first request) is refused at
// creation; an RSA key signs PS256.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { failUnhandledRequest } from '@tessera/testing';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_URL, tokenEndpoint } from '../test/msw-token-endpoint.js';
import { clientCredentials } from './client-credentials.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const keys: [string, string, { privateKey: KeyObject; publicKey: KeyObject }][] = [
  ['RSA', 'RS256', generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ['P-256', 'ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' })],
  ['P-384', 'ES384', generateKeyPairSync('ec', { namedCurve: 'P-384' })],
  ['P-521', 'ES512', generateKeyPairSync('ec', { namedCurve: 'P-521' })],
  ['Ed25519', 'EdDSA', generateKeyPairSync('ed25519')],
];

describe('the README’s signingAlgorithm default', () => {
  it('lists every key type this test signs with, and no other', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const row = readme.split('\n').find((line) => line.startsWith('| `signingAlgorithm` |'));
    const listed = [...(row?.matchAll(/([\w-]+) → (\w+)/g) ?? [])].map(([, key, alg]) => [key, alg]);
    expect(listed).toEqual(keys.map(([key, alg]) => [key, alg]));
  });

  it('refuses an RSA-PSS key when the client is created, not at its first token request', () => {
    const { privateKey } = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
    expect(() => clientCredentials({ tokenUrl: TOKEN_URL, clientId: 'billing', privateKey })).toThrow(
      /privateKey of type rsa-pss is not supported; use an RSA \(it signs PS256 too\)/,
    );
  });

  it.each(keys)('signs the assertion of a %s key with %s', async (_, alg, { privateKey, publicKey }) => {
    const seen = tokenEndpoint(server);
    const credentials = clientCredentials({
      tokenUrl: TOKEN_URL,
      clientId: 'billing',
      privateKey,
      retry: false,
    });
    try {
      await credentials.getAccessToken();
    } finally {
      credentials.dispose();
    }
    expect(seen).toHaveLength(1);
    const assertion = seen[0]!.form.get('client_assertion')!;
    expect(decodeProtectedHeader(assertion).alg).toBe(alg);
    await jwtVerify(assertion, publicKey, { issuer: 'billing', audience: TOKEN_URL });
  });
});
