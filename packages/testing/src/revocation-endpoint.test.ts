import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postToken } from '../test/token-request.js';
import { createAuthServer } from './create-auth-server.js';
import { failUnhandledRequest } from './fail-unhandled-request.js';
import { createTestClock } from './test-clock.js';

const start = Date.parse('2026-01-01T00:00:00Z');
const clock = createTestClock(start);
const auth = createAuthServer({
  clock: clock.now,
  clients: [
    { clientId: 'web' },
    { clientId: 'other-spa' },
    { clientId: 'svc', clientSecret: 's3cret' },
    { clientId: 'svc2', clientSecret: 'an0ther' },
  ],
});
const api = 'https://api.example.test';
const server = setupServer(...auth.handlers, ...auth.protectedApi(api));

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  auth.reset();
  clock.set(start);
});
afterAll(() => server.close());

const revoke = (form: Record<string, string | string[]>, basic?: [string, string]): Promise<Response> =>
  postToken(auth.revocationUrl, basic ? { form, basic } : { form });
const apiStatus = async (accessToken: string): Promise<number> =>
  (await fetch(`${api}/me`, { headers: { Authorization: `Bearer ${accessToken}` } })).status;
const refresh = async (refreshToken: string | undefined, clientId = 'web') => {
  const response = await postToken(auth.tokenUrl, {
    form: { grant_type: 'refresh_token', refresh_token: refreshToken ?? '', client_id: clientId },
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
};

/** The session is untouched: its access token works and its refresh token refreshes. */
async function expectUsable(session: { access_token: string; refresh_token?: string }): Promise<void> {
  expect(await apiStatus(session.access_token)).toBe(200);
  expect((await refresh(session.refresh_token)).status).toBe(200);
}

describe('revocation endpoint (RFC 7009)', () => {
  it('is served at issuer + /oauth/revoke and advertised in both discovery documents', async () => {
    expect(auth.revocationUrl).toBe('https://auth.example.test/oauth/revoke');
    for (const name of ['openid-configuration', 'oauth-authorization-server']) {
      const metadata = await (await fetch(`${auth.issuer}/.well-known/${name}`)).json();
      expect(metadata).toMatchObject({
        revocation_endpoint: auth.revocationUrl,
        revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      });
    }
  });

  it('revokes a refresh token with its family: 200 with an empty body, every access token of it rejected', async () => {
    const session = await auth.issueTokens();
    const rotated = await refresh(session.refresh_token);
    const response = await revoke({
      token: rotated.body.refresh_token ?? '',
      token_type_hint: 'refresh_token',
      client_id: 'web',
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    expect((await refresh(rotated.body.refresh_token)).body.error).toBe('invalid_grant');
    // Both the first access token and the one the rotation bought: protectedApi checks the family.
    expect(await apiStatus(session.access_token)).toBe(401);
    expect(await apiStatus(rotated.body.access_token ?? '')).toBe(401);
    expect(auth.apiRequests.map((entry) => entry.authorization)).toEqual(['revoked', 'revoked']);
    expect(auth.revocationRequests).toEqual([
      { tokenTypeHint: 'refresh_token', clientId: 'web', status: 200, revoked: 'refresh_token', at: start },
    ]);
  });

  it('revokes an access token with its family, refresh token included, as oidc-provider does', async () => {
    const session = await auth.issueTokens();
    const bystander = await auth.issueTokens();
    const response = await revoke({ token: session.access_token, client_id: 'web' });
    expect(response.status).toBe(200);
    expect(await apiStatus(session.access_token)).toBe(401);
    expect((await refresh(session.refresh_token)).body.error).toBe('invalid_grant');
    await expectUsable(bystander);
    expect(auth.revocationRequests).toEqual([
      { tokenTypeHint: undefined, clientId: 'web', status: 200, revoked: 'access_token', at: start },
    ]);
  });

  it('honours token_type_hint without trusting it: a wrong hint still revokes', async () => {
    const first = await auth.issueTokens();
    const second = await auth.issueTokens();
    await revoke({ token: first.refresh_token ?? '', token_type_hint: 'access_token', client_id: 'web' });
    await revoke({ token: second.access_token, token_type_hint: 'refresh_token', client_id: 'web' });
    expect((await refresh(first.refresh_token)).body.error).toBe('invalid_grant');
    expect(await apiStatus(second.access_token)).toBe(401);
    expect(auth.revocationRequests.map((entry) => [entry.tokenTypeHint, entry.revoked])).toEqual([
      ['access_token', 'refresh_token'],
      ['refresh_token', 'access_token'],
    ]);
  });

  it('revokes the family when a rotated refresh token is presented, the newest tokens included', async () => {
    const session = await auth.issueTokens();
    const rotated = await refresh(session.refresh_token);
    expect((await revoke({ token: session.refresh_token ?? '', client_id: 'web' })).status).toBe(200);
    expect((await refresh(rotated.body.refresh_token)).body.error).toBe('invalid_grant');
    expect(await apiStatus(rotated.body.access_token ?? '')).toBe(401);
  });

  it.each([
    ['an unknown token', async () => 'never-issued'],
    ['a JWT this server did not sign', async () => 'eyJhbGciOiJub25lIn0.eyJqdGkiOiJ4In0.'],
    [
      'an already revoked refresh token',
      async () => {
        const { refresh_token = '' } = await auth.issueTokens();
        auth.revokeToken(refresh_token);
        return refresh_token;
      },
    ],
    [
      'an access token revoked on its own',
      async () => {
        const { access_token } = await auth.issueTokens();
        auth.revokeToken(access_token);
        return access_token;
      },
    ],
    [
      'an expired refresh token',
      async () => {
        const { refresh_token = '' } = await auth.issueTokens();
        clock.advance(86_400_000);
        return refresh_token;
      },
    ],
    [
      'an expired access token',
      async () => {
        const { access_token } = await auth.issueTokens();
        clock.advance(300_000);
        return access_token;
      },
    ],
  ])('answers 200 with an empty body and revokes nothing for %s (§2.2)', async (_, tokenOf) => {
    const token = await tokenOf();
    const bystander = await auth.issueTokens();
    const response = await revoke({ token, client_id: 'web', token_type_hint: 'unknown_kind' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    expect(auth.revocationRequests).toEqual([
      { tokenTypeHint: 'unknown_kind', clientId: 'web', status: 200, at: clock.now() },
    ]);
    await expectUsable(bystander);
  });

  it('does not revoke the family of an expired access token whose refresh token is still valid', async () => {
    const session = await auth.issueTokens();
    clock.advance(300_000);
    await revoke({ token: session.access_token, client_id: 'web' });
    expect((await refresh(session.refresh_token)).status).toBe(200);
  });

  it('authenticates a confidential client with client_secret_basic or client_secret_post', async () => {
    const first = await postToken(auth.tokenUrl, {
      form: { grant_type: 'client_credentials' },
      basic: ['svc', 's3cret'],
    });
    const second = await postToken(auth.tokenUrl, {
      form: { grant_type: 'client_credentials' },
      basic: ['svc', 's3cret'],
    });
    const [a, b] = [(await first.json()).access_token, (await second.json()).access_token];
    expect((await revoke({ token: a }, ['svc', 's3cret'])).status).toBe(200);
    expect((await revoke({ token: b, client_id: 'svc', client_secret: 's3cret' })).status).toBe(200);
    expect([await apiStatus(a), await apiStatus(b)]).toEqual([401, 401]);
  });

  it.each([
    [
      'a wrong Basic secret',
      {},
      ['svc', 'nope'] as [string, string],
      'Basic realm="https://auth.example.test"',
    ],
    ['a wrong client_secret_post secret', { client_id: 'svc', client_secret: 'nope' }, undefined, null],
    ['a missing secret of a confidential client', { client_id: 'svc' }, undefined, null],
    ['an unknown client', { client_id: 'mallory' }, undefined, null],
    ['a secret sent by a public client', { client_id: 'web', client_secret: 'guess' }, undefined, null],
  ])('answers 401 invalid_client for %s and revokes nothing', async (_, credentials, basic, challenge) => {
    const session = await auth.issueTokens({ clientId: 'svc' });
    const response = await revoke({ token: session.refresh_token ?? '', ...credentials }, basic);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(challenge);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
    expect(auth.revocationRequests[0]).toMatchObject({ status: 401, error: 'invalid_client' });
    expect(auth.revocationRequests[0]).not.toHaveProperty('revoked');
    expect(await apiStatus(session.access_token)).toBe(200);
  });

  it('answers 400 invalid_request, not invalid_client, for no client at all and revokes nothing', async () => {
    const session = await auth.issueTokens({ clientId: 'svc' });
    const response = await revoke({ token: session.refresh_token ?? '' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    expect(auth.revocationRequests[0]).toMatchObject({ status: 400, error: 'invalid_request' });
    expect(auth.revocationRequests[0]).not.toHaveProperty('revoked');
    expect(await apiStatus(session.access_token)).toBe(200);
  });

  it("answers 200 and revokes nothing when a public client presents another client's token", async () => {
    const session = await auth.issueTokens({ clientId: 'web' });
    const response = await revoke({ token: session.refresh_token ?? '', client_id: 'other-spa' });
    expect(response.status).toBe(200);
    expect(auth.revocationRequests[0]).not.toHaveProperty('revoked');
    await expectUsable(session);
  });

  it("answers invalid_request when a confidential client presents another client's token", async () => {
    const session = await auth.issueTokens({ clientId: 'svc2' });
    const response = await revoke({ token: session.access_token }, ['svc', 's3cret']);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    expect(await apiStatus(session.access_token)).toBe(200);
  });

  it('ignores a repeated parameter it does not use, as oidc-provider does', async () => {
    const session = await auth.issueTokens();
    const response = await revoke({
      token: session.refresh_token ?? '',
      client_id: 'web',
      scope: ['a', 'b'],
    });
    expect(response.status).toBe(200);
    expect(await apiStatus(session.access_token)).toBe(401);
  });

  it('answers invalid_request without token, with token twice, or with a JSON body', async () => {
    const session = await auth.issueTokens();
    const missing = await revoke({ client_id: 'web' });
    const twice = await revoke({ token: [session.refresh_token ?? '', 'x'], client_id: 'web' });
    const json = await fetch(auth.revocationUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: session.refresh_token, client_id: 'web' }),
    });
    for (const response of [missing, twice, json]) {
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    }
    await expectUsable(session);
  });

  it('logs no token or secret, and counts no token request', async () => {
    const session = await auth.issueTokens({ clientId: 'svc' });
    await revoke({ token: session.access_token }, ['svc', 'wrong-secret']);
    await revoke({ token: session.refresh_token ?? '', client_id: 'svc', client_secret: 's3cret' });
    const log = JSON.stringify(auth.revocationRequests);
    for (const secret of [session.access_token, session.refresh_token ?? '', 's3cret', 'wrong-secret']) {
      expect(log).not.toContain(secret);
    }
    expect(auth.revocationRequests.map((entry) => entry.status)).toEqual([401, 200]);
    expect(auth.tokenRequestCount).toBe(0);
    expect(auth.tokenRequests).toEqual([]);
  });

  it('with revokeFamily: false revokes only the token presented: a rotated-out one leaves the newest valid', async () => {
    const perToken = createAuthServer({
      issuer: 'https://per-token.example.test',
      clock: clock.now,
      revokeFamily: false,
    });
    server.use(...perToken.handlers, ...perToken.protectedApi(api));
    const refreshAt = async (refreshToken: string | undefined) => {
      const form = { grant_type: 'refresh_token', refresh_token: refreshToken ?? '', client_id: 'web' };
      const response = await postToken(perToken.tokenUrl, { form });
      return { status: response.status, body: (await response.json()) as Record<string, string> };
    };
    const revokeAt = (token: string | undefined) =>
      postToken(perToken.revocationUrl, { form: { token: token ?? '', client_id: 'web' } });
    const session = await perToken.issueTokens();
    const rotated = await refreshAt(session.refresh_token);
    expect((await revokeAt(session.refresh_token)).status).toBe(200);
    const newest = await refreshAt(rotated.body.refresh_token);
    expect(newest.status).toBe(200);
    expect((await revokeAt(newest.body.refresh_token)).status).toBe(200);
    expect(await refreshAt(newest.body.refresh_token)).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'The refresh token was revoked' },
    });
    expect(await apiStatus(newest.body.access_token ?? '')).toBe(200);
    expect((await revokeAt(newest.body.refresh_token)).status).toBe(200);
    expect(perToken.revocationRequests.map((entry) => entry.revoked)).toEqual([
      'refresh_token',
      'refresh_token',
      undefined,
    ]);
  });

  it('forgets its log on reset()', async () => {
    await revoke({ token: 'x', client_id: 'web' });
    auth.reset();
    expect(auth.revocationRequests).toEqual([]);
  });
});
