import { decodeProtectedHeader } from 'jose';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { claimsOf, postToken } from '../test/token-request.js';
import { createAuthServer } from './create-auth-server.js';
import { failUnhandledRequest } from './fail-unhandled-request.js';
import { createTestClock } from './test-clock.js';

const clock = createTestClock(Date.parse('2026-01-01T00:00:00Z'));
const auth = createAuthServer({
  issuer: 'https://auth.example.test/',
  clock: clock.now,
  clients: [
    { clientId: 'web' },
    { clientId: 'svc', clientSecret: 's3cret' },
    { clientId: 'odd id:&=?', clientSecret: 'p@ss:w%rd +' },
    { clientId: 'cc-only', clientSecret: 'x', grantTypes: ['client_credentials'] },
  ],
});
const server = setupServer(...auth.handlers);
const alice = { grant_type: 'password', username: 'alice', password: 'wonderland' };
type Json = Record<string, unknown>;

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  auth.reset();
});
afterAll(() => server.close());

describe('token endpoint', () => {
  it('serves the token endpoint at the issuer + /oauth/token, ignoring a trailing slash of the issuer', () => {
    expect(auth.issuer).toBe('https://auth.example.test');
    expect(auth.tokenUrl).toBe('https://auth.example.test/oauth/token');
  });

  it('issues a client_credentials token as an ES256 at+jwt with iss, sub, aud, exp, iat, scope', async () => {
    const response = await postToken(auth.tokenUrl, {
      form: { grant_type: 'client_credentials', scope: 'orders:read orders:write' },
      basic: ['svc', 's3cret'],
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Json;
    expect(body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'orders:read orders:write',
    });
    const iat = Date.parse('2026-01-01T00:00:00Z') / 1000;
    expect(claimsOf(body.access_token as string)).toEqual({
      iss: 'https://auth.example.test',
      sub: 'svc',
      aud: 'https://api.example.test',
      iat,
      exp: iat + 300,
      jti: expect.any(String),
      client_id: 'svc',
      scope: 'orders:read orders:write',
    });
    expect(decodeProtectedHeader(body.access_token as string)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
  });

  it('issues no refresh token for client_credentials', async () => {
    const response = await postToken(auth.tokenUrl, {
      form: { grant_type: 'client_credentials' },
      basic: ['svc', 's3cret'],
    });
    expect(await response.json()).not.toHaveProperty('refresh_token');
  });

  it('issues access and refresh tokens for the password grant with an empty scope claim by default', async () => {
    const response = await postToken(auth.tokenUrl, { form: { ...alice, client_id: 'web' } });
    const body = (await response.json()) as Json;
    expect(response.status).toBe(200);
    expect(body.refresh_token).toEqual(expect.any(String));
    expect(body).not.toHaveProperty('scope');
    expect(claimsOf(body.access_token as string)).toMatchObject({
      sub: 'alice',
      client_id: 'web',
      scope: '',
    });
  });

  it('accepts client_secret_post', async () => {
    const response = await postToken(auth.tokenUrl, {
      form: { grant_type: 'client_credentials', client_id: 'svc', client_secret: 's3cret' },
    });
    expect(response.status).toBe(200);
  });

  it('form-decodes both parts of Basic credentials (RFC 6749 §2.3.1)', async () => {
    const response = await postToken(auth.tokenUrl, {
      form: { grant_type: 'client_credentials' },
      basic: ['odd id:&=?', 'p@ss:w%rd +'],
    });
    expect(response.status).toBe(200);
    expect(auth.tokenRequests[0]?.clientId).toBe('odd id:&=?');
  });

  it('answers 401 invalid_client with WWW-Authenticate: Basic for a wrong Basic secret', async () => {
    const response = await postToken(auth.tokenUrl, {
      form: { grant_type: 'client_credentials' },
      basic: ['svc', 'nope'],
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Basic realm="https://auth.example.test"');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
  });

  it.each([
    ['a wrong client_secret_post secret', { client_id: 'svc', client_secret: 'nope' }],
    ['a missing secret of a confidential client', { client_id: 'svc' }],
    ['an unknown client', { client_id: 'mallory' }],
    ['a secret sent by a public client', { client_id: 'web', client_secret: 'guess' }],
  ])('answers 401 invalid_client without a Basic challenge for %s', async (_, credentials) => {
    const response = await postToken(auth.tokenUrl, {
      form: { grant_type: 'client_credentials', ...credentials },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBeNull();
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('names the unknown client_id in its invalid_client answer (40 characters, §A.7 ones)', async () => {
    const typo = await postToken(auth.tokenUrl, {
      form: { grant_type: 'client_credentials', client_id: 'svcc', client_secret: 'x' },
    });
    expect(await typo.json()).toEqual({ error: 'invalid_client', error_description: 'Unknown client svcc' });
    const odd = await postToken(auth.tokenUrl, {
      form: { grant_type: 'client_credentials', client_id: `"é\\${'x'.repeat(50)}` },
    });
    expect((await odd.json()).error_description).toBe(`Unknown client ???${'x'.repeat(37)}`);
  });

  it('answers 400 invalid_request, not invalid_client, for no client at all (as oidc-provider)', async () => {
    const response = await postToken(auth.tokenUrl, { form: { grant_type: 'client_credentials' } });
    expect(response.status).toBe(400);
    expect(response.headers.get('www-authenticate')).toBeNull();
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });

  it.each([
    ['not base64', 'Basic !!!'],
    ['no colon', `Basic ${btoa('web')}`],
    ['an empty secret', `Basic ${btoa('web:')}`],
    ['no credentials', 'Basic'],
    ['two spaces', `Basic  ${btoa('web:secret')}`],
    ['a bad percent-escape', `Basic ${btoa('web:%ZZ')}`],
    ['a control character', `Basic ${btoa('web:se\u0001cret')}`],
    ['raw UTF-8, not form-urlencoded', `Basic ${Buffer.from('web:s\u00e9cret').toString('base64')}`],
    ['bytes that are no UTF-8', `Basic ${btoa('web:s\u00e9cret')}`],
    ['a form-urlencoded non-ASCII character', `Basic ${btoa('web:s%C3%A9cret')}`],
    ['another scheme (an access token sent along)', 'Bearer an-access-token'],
  ])(
    'answers 400 invalid_request without a challenge for an Authorization header with %s (as oidc-provider)',
    async (_, header) => {
      // Without the header, the public client's password grant succeeds.
      const response = await postToken(auth.tokenUrl, {
        form: { ...alice, client_id: 'web' },
        headers: { Authorization: header },
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('www-authenticate')).toBeNull();
      expect(await response.json()).toMatchObject({ error: 'invalid_request' });
      expect(auth.tokenRequests).toEqual([
        expect.objectContaining({ status: 400, error: 'invalid_request' }),
      ]);
    },
  );

  it('accepts unpadded base64 in Basic credentials', async () => {
    const unpadded = btoa('svc:s3cret').replace(/=+$/, '');
    const response = await postToken(auth.tokenUrl, {
      form: { grant_type: 'client_credentials' },
      headers: { Authorization: `basic ${unpadded}` },
    });
    expect(response.status).toBe(200);
  });

  it('answers invalid_request for Basic credentials plus client_secret in the body', async () => {
    const response = await postToken(auth.tokenUrl, {
      form: { grant_type: 'client_credentials', client_secret: 's3cret' },
      basic: ['svc', 's3cret'],
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('answers invalid_grant for a wrong password or an unknown user', async () => {
    for (const form of [
      { ...alice, password: 'guess' },
      { ...alice, username: 'bob' },
    ]) {
      const response = await postToken(auth.tokenUrl, { form: { ...form, client_id: 'web' } });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
    }
  });

  it('answers unsupported_grant_type for an unknown grant', async () => {
    const response = await postToken(auth.tokenUrl, {
      form: { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: 'web' },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('answers invalid_request for a grant the client may not use, as oidc-provider does', async () => {
    const publicClient = await postToken(auth.tokenUrl, {
      form: { grant_type: 'client_credentials', client_id: 'web' },
    });
    expect(publicClient.status).toBe(400);
    expect(await publicClient.json()).toEqual({
      error: 'invalid_request',
      error_description: 'requested grant type is not allowed for this client',
    });
    const restricted = await postToken(auth.tokenUrl, { form: alice, basic: ['cc-only', 'x'] });
    expect(restricted.status).toBe(400);
    expect(await restricted.json()).toMatchObject({ error: 'invalid_request' });
    expect(auth.tokenRequests.map((entry) => entry.error)).toEqual(['invalid_request', 'invalid_request']);
  });

  it('answers invalid_request without grant_type or with a JSON body', async () => {
    const missing = await postToken(auth.tokenUrl, { form: { client_id: 'web' } });
    expect(await missing.json()).toMatchObject({ error: 'invalid_request' });
    const json = await fetch(auth.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('reads only the first 1000 &-separated pairs of the body, empty ones included, as oidc-provider', async () => {
    const post = (pads: number) =>
      fetch(auth.tokenUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: [
          'client_id=svc',
          'client_secret=s3cret',
          ...Array(pads).fill(''),
          'grant_type=client_credentials',
        ].join('&'),
      });
    expect((await post(997)).status).toBe(200);
    const lost = await post(998);
    expect(lost.status).toBe(400);
    expect(await lost.json()).toEqual({
      error: 'invalid_request',
      error_description: 'grant_type is required',
    });
    expect(auth.tokenRequestCount).toBe(2);
  });

  it.each([
    ['grant_type', { grant_type: ['client_credentials', 'password'] }],
    ['scope', { grant_type: 'client_credentials', scope: ['orders:read', 'orders:write'] }],
    ['audience', { grant_type: 'client_credentials', audience: ['urn:a', 'urn:b'] }],
  ])('answers invalid_request for a repeated %s parameter (RFC 6749 §3.2)', async (name, form) => {
    const response = await postToken(auth.tokenUrl, { form, basic: ['svc', 's3cret'] });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'invalid_request',
      error_description: `${name} must not be provided more than once`,
    });
  });

  it('ignores a repeated parameter the grant does not read, as oidc-provider does', async () => {
    const ignored = { code: ['one', 'two'], refresh_token: ['one', 'two'], 'x-unknown': ['1', '2'] };
    const machine = await postToken(auth.tokenUrl, {
      form: { grant_type: 'client_credentials', ...ignored },
      basic: ['svc', 's3cret'],
    });
    const user = await postToken(auth.tokenUrl, { form: { ...alice, client_id: 'web', ...ignored } });
    expect([machine.status, user.status]).toEqual([200, 200]);
    expect(auth.tokenRequests.map((entry) => entry.status)).toEqual([200, 200]);
  });

  it('sets aud from resource, then audience, then the server default', async () => {
    const audienceOf = async (extra: Record<string, string | string[]>): Promise<unknown> => {
      const response = await postToken(auth.tokenUrl, {
        form: { grant_type: 'client_credentials', audience: 'urn:ignored-when-resource', ...extra },
        basic: ['svc', 's3cret'],
      });
      return claimsOf(((await response.json()) as Json).access_token as string).aud;
    };
    expect(await audienceOf({ resource: 'https://orders.example.test' })).toBe('https://orders.example.test');
    expect(await audienceOf({ resource: ['https://a.example.test', 'https://b.example.test'] })).toEqual([
      'https://a.example.test',
      'https://b.example.test',
    ]);
    expect(await audienceOf({ audience: 'urn:orders' })).toBe('urn:orders');
    expect(await audienceOf({ audience: '' })).toBe('https://api.example.test');
  });

  it('answers invalid_target for a resource that is not an absolute URI', async () => {
    const response = await postToken(auth.tokenUrl, {
      form: { grant_type: 'client_credentials', resource: 'orders' },
      basic: ['svc', 's3cret'],
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_target' });
  });

  it('uses the configured access token lifetime and default audience', async () => {
    const short = createAuthServer({
      accessTokenLifetime: 60_000,
      audience: 'urn:default',
      clock: clock.now,
    });
    server.use(...short.handlers);
    const response = await postToken(short.tokenUrl, {
      form: { grant_type: 'client_credentials' },
      basic: ['service', 'service-secret'],
    });
    const body = (await response.json()) as Json;
    expect(body.expires_in).toBe(60);
    const claims = claimsOf(body.access_token as string);
    expect(claims.aud).toBe('urn:default');
    expect(Number(claims.exp) - Number(claims.iat)).toBe(60);
  });

  it.each([60, 999])(
    'refuses an accessTokenLifetime of %i ms, which would mint tokens already expired',
    (ms) => {
      expect(() => createAuthServer({ accessTokenLifetime: ms })).toThrow(
        new RangeError(
          `accessTokenLifetime is in milliseconds and must be at least 1000 (a JWT exp has whole seconds), got ${ms}.`,
        ),
      );
      expect(() => createAuthServer({ accessTokenLifetime: 1000 })).not.toThrow();
    },
  );

  it('never promises more than the JWT exp when the clock is between seconds', async () => {
    clock.advance(600);
    const response = await postToken(auth.tokenUrl, {
      form: { grant_type: 'client_credentials' },
      basic: ['svc', 's3cret'],
    });
    const body = (await response.json()) as Json;
    const exp = Number(claimsOf(body.access_token as string).exp) * 1000;
    expect(clock.now() + Number(body.expires_in) * 1000).toBeLessThanOrEqual(exp);
    clock.advance(-600);
  });
});
