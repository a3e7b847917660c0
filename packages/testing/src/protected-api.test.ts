import { SignJWT } from 'jose';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAuthServer } from './create-auth-server.js';
import { failUnhandledRequest } from './fail-unhandled-request.js';
import { createTestClock } from './test-clock.js';

const clock = createTestClock(Date.parse('2026-01-01T00:00:00Z'));
const auth = createAuthServer({ clock: clock.now });
const api = 'https://api.example.test';
const server = setupServer(
  ...auth.handlers,
  ...auth.protectedApi(`${api}/`),
  ...auth.protectedApi('https://orders.example.test/v1', {
    audience: 'urn:orders',
    requiredScope: 'orders:read orders:write',
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  auth.reset();
  clock.set(Date.parse('2026-01-01T00:00:00Z'));
});
afterAll(() => server.close());

function call(url: string, authorization?: string, method = 'GET'): Promise<Response> {
  return fetch(url, { method, headers: authorization === undefined ? {} : { Authorization: authorization } });
}

const challenge = (realm: string, error: string, description: string): string =>
  `Bearer realm="${realm}", error="${error}", error_description="${description}"`;

describe('protectedApi', () => {
  it('answers 200 with method, path and sub for a valid token, on any method and path', async () => {
    const { access_token } = await auth.issueTokens();
    const get = await call(`${api}/orders/42?expand=lines`, `Bearer ${access_token}`);
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ ok: true, method: 'GET', path: '/orders/42', sub: 'alice' });
    const remove = await call(`${api}`, `bearer ${access_token}`, 'DELETE');
    expect(await remove.json()).toEqual({ ok: true, method: 'DELETE', path: '/', sub: 'alice' });
  });

  it('answers a request without a token with 401 and a bare challenge (RFC 6750 §3.1)', async () => {
    const response = await call(`${api}/orders`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="${api}"`);
    const basic = await call(`${api}/orders`, 'Basic d2ViOg==');
    expect(basic.headers.get('www-authenticate')).toBe(`Bearer realm="${api}"`);
    expect(auth.apiRequests.map((entry) => [entry.authorization, entry.status])).toEqual([
      ['missing', 401],
      ['missing', 401],
    ]);
  });

  it('answers 400 invalid_request for malformed Bearer credentials', async () => {
    const response = await call(`${api}/orders`, 'Bearer two tokens');
    expect(response.status).toBe(400);
    expect(response.headers.get('www-authenticate')).toBe(
      challenge(api, 'invalid_request', 'Malformed Bearer credentials'),
    );
  });

  it('answers 401 invalid_token for a forged or foreign token', async () => {
    const { access_token } = await auth.issueTokens();
    const [header, payload] = access_token.split('.');
    const tampered = `${header}.${payload}.${'A'.repeat(86)}`;
    const foreign = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setIssuer(auth.issuer)
      .sign(new TextEncoder().encode('x'.repeat(32)));
    for (const token of [tampered, foreign, 'opaque-token']) {
      const response = await call(`${api}/orders`, `Bearer ${token}`);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        challenge(api, 'invalid_token', 'The access token is not valid'),
      );
      expect(await response.json()).toEqual({
        error: 'invalid_token',
        error_description: 'The access token is not valid',
      });
    }
    expect(auth.apiRequests.map((entry) => entry.authorization)).toEqual(['invalid', 'invalid', 'invalid']);
  });

  it('answers 401 invalid_token for a token of another audience', async () => {
    const { access_token } = await auth.issueTokens({ audience: 'urn:elsewhere' });
    const response = await call(`${api}/orders`, `Bearer ${access_token}`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('accepts a token exactly until its exp by the server clock', async () => {
    const { access_token } = await auth.issueTokens();
    clock.advance(299_999);
    expect((await call(`${api}/a`, `Bearer ${access_token}`)).status).toBe(200);
    clock.advance(1);
    const expired = await call(`${api}/a`, `Bearer ${access_token}`);
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toBe(
      challenge(api, 'invalid_token', 'The access token expired'),
    );
    expect(auth.apiRequests.map((entry) => entry.authorization)).toEqual(['valid', 'expired']);
    expect(auth.apiRequests[1]?.tokenId).toBe(auth.apiRequests[0]?.tokenId);
  });

  it('rejects every token issued before revokeAll() and accepts new ones', async () => {
    const before = await auth.issueTokens();
    auth.revokeAll();
    const revoked = await call(`${api}/a`, `Bearer ${before.access_token}`);
    expect(revoked.status).toBe(401);
    expect(revoked.headers.get('www-authenticate')).toBe(
      challenge(api, 'invalid_token', 'The access token was revoked'),
    );
    const after = await auth.issueTokens();
    expect((await call(`${api}/a`, `Bearer ${after.access_token}`)).status).toBe(200);
  });

  it('rejects a token minted before reset() as unknown', async () => {
    const { access_token } = await auth.issueTokens();
    auth.reset();
    const response = await call(`${api}/a`, `Bearer ${access_token}`);
    expect(response.status).toBe(401);
    expect(auth.apiRequests).toEqual([
      { method: 'GET', url: `${api}/a`, authorization: 'invalid', status: 401, tokenId: expect.any(String) },
    ]);
  });

  it('checks the audience and every required scope of its own options', async () => {
    const url = 'https://orders.example.test/v1/orders';
    const full = await auth.issueTokens({ audience: 'urn:orders', scope: 'orders:write orders:read' });
    expect((await call(url, `Bearer ${full.access_token}`)).status).toBe(200);
    const defaultAudience = await auth.issueTokens({ scope: 'orders:write orders:read' });
    expect((await call(url, `Bearer ${defaultAudience.access_token}`)).status).toBe(401);

    const partial = await auth.issueTokens({ audience: 'urn:orders', scope: 'orders:read' });
    const forbidden = await call(url, `Bearer ${partial.access_token}`, 'POST');
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('www-authenticate')).toBe(
      'Bearer realm="https://orders.example.test/v1", error="insufficient_scope", ' +
        'error_description="The access token lacks the scope orders:write", scope="orders:read orders:write"',
    );
    expect(await forbidden.json()).toMatchObject({ error: 'insufficient_scope' });
    expect(auth.apiRequests.at(-1)).toMatchObject({ authorization: 'valid', status: 403 });
  });

  it('logs API calls without the token value', async () => {
    const { access_token } = await auth.issueTokens();
    await call(`${api}/a`, `Bearer ${access_token}`);
    expect(JSON.stringify(auth.apiRequests)).not.toContain(access_token.split('.')[2]);
  });

  it('logs no access token sent in the query (RFC 6750 §2.3), which it does not accept', async () => {
    const { access_token } = await auth.issueTokens();
    const response = await call(`${api}/a?page=2&access_token=${access_token}&sort=asc`);
    expect(response.status).toBe(401);
    expect(auth.apiRequests).toEqual([
      {
        method: 'GET',
        url: `${api}/a?page=2&access_token=[REDACTED]&sort=asc`,
        authorization: 'missing',
        status: 401,
      },
    ]);
    expect(JSON.stringify(auth.apiRequests)).not.toContain(access_token.split('.')[2]);
  });

  it('logs no credential in the query whose name is percent-encoded or in another case', async () => {
    const { access_token, refresh_token = '' } = await auth.issueTokens();
    const secrets = [access_token, refresh_token, 'service-secret', 'wonderland', 'verifier-value-1234'];
    const query = [
      `access%5Ftoken=${access_token}`,
      `Refresh_Token=${refresh_token}`,
      'client%5fsecret=service-secret',
      `%70assword=wonderland`,
      'code_verifier=verifier-value-1234',
      'page=2',
    ].join('&');
    const response = await call(`${api}/a?${query}`);
    expect(response.status).toBe(401);
    expect(auth.apiRequests.map((entry) => entry.url)).toEqual([
      `${api}/a?access%5Ftoken=[REDACTED]&Refresh_Token=[REDACTED]&client%5fsecret=[REDACTED]&%70assword=[REDACTED]&code_verifier=[REDACTED]&page=2`,
    ]);
    const logged = JSON.stringify(auth.apiRequests);
    for (const secret of secrets) expect(logged).not.toContain(secret.slice(-12));
  });

  it('keeps a call that was in flight during reset() out of the new log', async () => {
    let resetWhileVerifying = false;
    const lateAuth = createAuthServer({
      clock: () => {
        // protectedApi reads the clock while it verifies the token: reset() lands mid-request.
        if (resetWhileVerifying) {
          resetWhileVerifying = false;
          lateAuth.reset();
        }
        return clock.now();
      },
    });
    server.use(...lateAuth.protectedApi('https://late.example.test'));
    const { access_token } = await lateAuth.issueTokens();
    resetWhileVerifying = true;
    const response = await call('https://late.example.test/a', `Bearer ${access_token}`);
    expect(resetWhileVerifying).toBe(false);
    expect(response.status).toBe(401); // reset() forgot the token
    expect(lateAuth.apiRequests).toEqual([]);
  });
});
