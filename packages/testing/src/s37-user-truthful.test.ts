import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { claimsOf, postToken } from '../test/token-request.js';
import { createAuthServer, createTestClock, failUnhandledRequest } from './index.js';

const clock = createTestClock(Date.parse('2026-01-01T00:00:00Z'));
const auth = createAuthServer({ issuer: 'https://auth.example.test', clock: clock.now });
const server = setupServer(
  ...auth.handlers,
  ...auth.protectedApi('https://api.example.test'),
  ...auth.protectedApi('https://admin.example.test', { requiredScope: 'admin' }),
);

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  auth.reset();
});
afterAll(() => server.close());

const signIn = async (scope = 'read') =>
  (
    await postToken(auth.tokenUrl, {
      form: { grant_type: 'password', username: 'alice', password: 'wonderland', client_id: 'web', scope },
    })
  ).json();
const refresh = (refreshToken: string) =>
  postToken(auth.tokenUrl, {
    form: { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'web' },
  });
const callApi = (url: string, token: string) => fetch(url, { headers: { Authorization: `Bearer ${token}` } });

describe('a test team: does the server behave like a real one?', () => {
  it('refresh-token reuse revokes the family: its refresh tokens and its access tokens (as the README says)', async () => {
    const first = await signIn();
    const second = await (await refresh(first.refresh_token)).json();
    const reuse = await refresh(first.refresh_token);
    expect([reuse.status, (await reuse.json()).error]).toEqual([400, 'invalid_grant']);
    const newest = await refresh(second.refresh_token);
    expect([newest.status, (await newest.json()).error]).toEqual([400, 'invalid_grant']);
    const api = await callApi('https://api.example.test/me', second.access_token);
    expect(api.status).toBe(401);
    expect(api.headers.get('www-authenticate')).toBe(
      'Bearer realm="https://api.example.test", error="invalid_token", error_description="The access token was revoked"',
    );
  });

  it('expires_in agrees with the JWT exp under the test clock, also between two seconds', async () => {
    clock.set(Date.parse('2026-01-01T00:00:00.600Z'));
    const tokens = await signIn();
    const { iat, exp } = claimsOf(tokens.access_token) as { iat: number; exp: number };
    expect([iat, exp]).toEqual([
      Date.parse('2026-01-01T00:00:00Z') / 1000,
      Date.parse('2026-01-01T00:05:00Z') / 1000,
    ]);
    expect(tokens.expires_in).toBe(299); // never longer than exp says: now + 299.4 s
    expect(clock.now() + tokens.expires_in * 1000).toBeLessThanOrEqual(exp * 1000);
  });

  it('an expired token gets 401 invalid_token at exp by the server clock, not a millisecond before', async () => {
    clock.set(Date.parse('2026-01-01T00:00:00Z'));
    const { access_token: token } = await signIn();
    clock.advance(300_000 - 1);
    expect((await callApi('https://api.example.test/me', token)).status).toBe(200);
    clock.advance(1);
    const expired = await callApi('https://api.example.test/me', token);
    expect([expired.status, expired.headers.get('www-authenticate')]).toEqual([
      401,
      'Bearer realm="https://api.example.test", error="invalid_token", error_description="The access token expired"',
    ]);
    expect(auth.apiRequests.map((entry) => entry.authorization)).toEqual(['valid', 'expired']);
  });

  it('a scope miss is 403 insufficient_scope with the scope needed', async () => {
    const { access_token: token } = await signIn('read');
    const response = await callApi('https://admin.example.test/users', token);
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer realm="https://admin.example.test", error="insufficient_scope", error_description="The access token lacks the scope admin", scope="admin"',
    );
  });

  it('a revoked token is rejected on the very next call', async () => {
    const { access_token: token } = await signIn();
    expect((await callApi('https://api.example.test/me', token)).status).toBe(200);
    expect(auth.revokeToken(token)).toBe(true);
    expect((await callApi('https://api.example.test/me', token)).status).toBe(401);
    expect(auth.apiRequests.map((entry) => entry.authorization)).toEqual(['valid', 'revoked']);
  });

  it('failNextTokenRequests(2) fails exactly the next two token requests, not the API, the revocation endpoint or issueTokens', async () => {
    auth.failNextTokenRequests(2, { status: 503 });
    const issued = await auth.issueTokens();
    expect((await callApi('https://api.example.test/me', issued.access_token)).status).toBe(200);
    const revoke = await fetch(auth.revocationUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: 'unknown', client_id: 'web' }),
    });
    expect(revoke.status).toBe(200);
    const statuses = [];
    for (let index = 0; index < 3; index += 1)
      statuses.push((await refresh(issued.refresh_token ?? '')).status);
    // The two failed refreshes were not processed: the refresh token stayed valid for the third.
    expect(statuses).toEqual([503, 503, 200]);
    expect(auth.tokenRequests.map((entry) => entry.status)).toEqual([503, 503, 200]);
  });
});
