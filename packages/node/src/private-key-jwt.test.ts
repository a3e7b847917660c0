import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { isOAuthError } from '@tessera/core';
import { failUnhandledRequest } from '@tessera/testing';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, ISSUER, issueToken, TOKEN_URL, tokenEndpoint } from '../test/msw-token-endpoint.js';
import { type ClientCredentials, clientCredentials } from './client-credentials.js';
import type { ClientCredentialsOptions } from './client-credentials-options.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const NOW = 1_700_000_000_000;

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  for (const client of clients.splice(0)) client.dispose();
});
afterAll(() => server.close());

const clients: ClientCredentials[] = [];
function client(options: Partial<ClientCredentialsOptions>): ClientCredentials {
  const created = clientCredentials({
    tokenUrl: TOKEN_URL,
    clientId: 'billing',
    privateKey: rsa.privateKey,
    retry: false,
    clock: () => NOW,
    ...options,
  });
  clients.push(created);
  return created;
}

async function verifyAssertion(assertion: string, publicKey: KeyObject, audience = TOKEN_URL) {
  const { payload, protectedHeader } = await jwtVerify(assertion, publicKey, {
    issuer: 'billing',
    subject: 'billing',
    audience,
    currentDate: new Date(NOW),
  });
  return { payload, protectedHeader };
}

describe('private_key_jwt', () => {
  it('authenticates with a signed RFC 7523 assertion instead of a secret', async () => {
    const seen = tokenEndpoint(server);
    await client({}).getAccessToken();

    const { form, authorization } = seen[0]!;
    expect(authorization).toBeNull();
    expect(form.has('client_secret')).toBe(false);
    expect(form.get('client_id')).toBe('billing');
    expect(form.get('grant_type')).toBe('client_credentials');
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const { payload, protectedHeader } = await verifyAssertion(form.get('client_assertion')!, rsa.publicKey);
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.iat).toBe(NOW / 1000);
    expect(payload.exp).toBe(NOW / 1000 + 60);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('signs a new assertion with a new jti for every attempt, retries included', async () => {
    const seen = tokenEndpoint(server, (request, n) =>
      n < 3 ? new HttpResponse('busy', { status: 503 }) : issueToken(request, n),
    );
    await client({ retry: { retries: 3, minTimeout: 0, maxTimeout: 0, randomize: false } }).getAccessToken();

    expect(seen).toHaveLength(3);
    const jtis = await Promise.all(
      seen.map(
        async ({ form }) => (await verifyAssertion(form.get('client_assertion')!, rsa.publicKey)).payload.jti,
      ),
    );
    expect(new Set(jtis).size).toBe(3);
  });

  it('reads a PEM or a private JWK, takes alg and kid from the JWK, and picks ES384 for a P-384 key', async () => {
    const seen = tokenEndpoint(server);
    const jwk = { ...rsa.privateKey.export({ format: 'jwk' }), kid: 'key-2025', alg: 'PS256' };
    await client({ privateKey: jwk }).getAccessToken();
    await client({
      privateKey: ec.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    }).getAccessToken();
    await client({
      privateKey: rsa.privateKey,
      keyId: 'explicit',
      signingAlgorithm: 'RS512',
    }).getAccessToken();

    const headers = seen.map(({ form }) => decodeProtectedHeader(form.get('client_assertion')!));
    expect(headers[0]).toMatchObject({ alg: 'PS256', kid: 'key-2025' });
    expect(headers[1]).toMatchObject({ alg: 'ES384' });
    expect(headers[1]).not.toHaveProperty('kid');
    expect(headers[2]).toMatchObject({ alg: 'RS512', kid: 'explicit' });
    await verifyAssertion(seen[1]!.form.get('client_assertion')!, ec.publicKey);
  });

  it('sends keyId as the kid of a JWK whose own kid is a number, in one request', async () => {
    const seen = tokenEndpoint(server);
    const jwk = { ...rsa.privateKey.export({ format: 'jwk' }), kid: 2025 };
    await client({ privateKey: jwk as never, keyId: '2025' }).getAccessToken();

    expect(seen).toHaveLength(1);
    expect(decodeProtectedHeader(seen[0]!.form.get('client_assertion')!)).toMatchObject({ kid: '2025' });
  });

  it('uses assertionAudience, e.g. the issuer, as aud when given', async () => {
    const seen = tokenEndpoint(server);
    await client({ assertionAudience: ISSUER }).getAccessToken();

    await verifyAssertion(seen[0]!.form.get('client_assertion')!, rsa.publicKey, ISSUER);
  });

  it('signs aud for the URL it requests: an IDN or upper-case host as the server names its endpoint', async () => {
    // A server compares aud with its own token endpoint URL as a string: ASCII (punycode), lower case.
    const requested = 'https://xn--bcher-kva.example/oauth/token';
    const seen = tokenEndpoint(server, issueToken, requested);
    for (const tokenUrl of [
      'https://bücher.example/oauth/token',
      'https://BÜCHER.example:443/oauth/./token',
    ]) {
      await client({ tokenUrl }).getAccessToken();
    }

    expect(seen).toHaveLength(2);
    for (const { form } of seen)
      await verifyAssertion(form.get('client_assertion')!, rsa.publicKey, requested);
  });

  it('never shows the assertion in an error, even when the server echoes it', async () => {
    const seen = tokenEndpoint(server, ({ form }) =>
      HttpResponse.json(
        { error: 'invalid_client', error_description: `bad assertion ${form.get('client_assertion')}` },
        { status: 401 },
      ),
    );

    const error = await client({})
      .getAccessToken()
      .catch((caught: unknown) => caught);

    expect(isOAuthError(error, 'invalid_client')).toBe(true);
    expect((error as Error).message).toContain('bad assertion [redacted]');
    const assertion = seen[0]!.form.get('client_assertion')!;
    expectNoSecrets(error, [assertion, assertion.split('.')[2]!]);
  });
});
