import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postToken } from '../test/token-request.js';
import {
  createAuthServer,
  createTestClock,
  failUnhandledRequest,
  type TestClient,
  type TestUser,
} from './index.js';

// A team's set-up, copied from the README ("Setup › Node"), with a second issuer next to the first.
const clock = createTestClock(Date.parse('2026-01-01T00:00:00Z'));
const users: TestUser[] = [{ username: 'alice', password: 'wonderland' }];
const clients: TestClient[] = [{ clientId: 'web' }, { clientId: 'service', clientSecret: 'service-secret' }];
const auth = createAuthServer({ issuer: 'https://auth.example.test', clock: clock.now, users, clients });
const partner = createAuthServer({ issuer: 'https://partner.example.test', clock: clock.now });
const server = setupServer(
  ...auth.handlers,
  ...auth.protectedApi('https://api.example.test'),
  ...partner.handlers,
  ...partner.protectedApi('https://api.partner.test'),
);

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  auth.reset();
  partner.reset();
});
afterAll(() => server.close());

const service = {
  form: { grant_type: 'client_credentials' },
  basic: ['service', 'service-secret'] as [string, string],
};
const password = (username: string, secret: string) => ({
  form: { grant_type: 'password', username, password: secret, client_id: 'web' },
});
const refresh = (refreshToken: string) => ({
  form: { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'web' },
});
const callApi = (url: string, token: string) => fetch(url, { headers: { Authorization: `Bearer ${token}` } });

describe('a test team: auth.reset() after each test', () => {
  it('reset() empties every count and log, the planned failures, the latency and the issued tokens', async () => {
    const signIn = await (await postToken(auth.tokenUrl, password('alice', 'wonderland'))).json();
    await callApi('https://api.example.test/me', signIn.access_token);
    auth.authorize(
      `${auth.authorizationUrl}?client_id=web&redirect_uri=https://app.test/cb&response_type=code`,
    );
    await fetch(auth.revocationUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: 'unknown', client_id: 'web' }),
    });
    auth.failNextTokenRequests(3);
    auth.setLatency(60_000);
    auth.revokeAll();

    auth.reset();

    expect([auth.tokenRequestCount, auth.tokenRequests, auth.apiRequests]).toEqual([0, [], []]);
    expect([auth.authorizationRequests, auth.revocationRequests]).toEqual([[], []]);
    // No failure, no latency left (the request would wait 60 s of real time), a new sign-in works:
    expect((await postToken(auth.tokenUrl, service)).status).toBe(200);
    // …and the old sign-in's refresh token family is gone: unknown, not "reused".
    const old = await postToken(auth.tokenUrl, refresh(signIn.refresh_token));
    expect([old.status, (await old.json()).error]).toEqual([400, 'invalid_grant']);
    expect((await callApi('https://api.example.test/me', signIn.access_token)).status).toBe(401);
    expect(auth.apiRequests.map((entry) => entry.authorization)).toEqual(['invalid']);
  });

  it('a user a test adds to the users array it gave the server does not reach the server, so nothing leaks into the next test', async () => {
    users.push({ username: 'bob', password: 'builder' });
    try {
      const response = await postToken(auth.tokenUrl, password('bob', 'builder'));
      expect([response.status, (await response.json()).error]).toEqual([400, 'invalid_grant']);
    } finally {
      users.pop();
    }
  });

  it('a client a test adds to (or changes in) its clients array does not reach the server', async () => {
    clients.push({ clientId: 'late', clientSecret: 'late-secret' });
    (clients[1] as { clientSecret?: string }).clientSecret = 'changed';
    try {
      const late = await postToken(auth.tokenUrl, { ...service, basic: ['late', 'late-secret'] });
      expect([late.status, (await late.json()).error]).toEqual([401, 'invalid_client']);
      expect((await postToken(auth.tokenUrl, service)).status).toBe(200);
    } finally {
      clients.pop();
      (clients[1] as { clientSecret?: string }).clientSecret = 'service-secret';
    }
  });

  it('a handler added with server.use() is gone after resetHandlers()', async () => {
    server.use(
      http.post(auth.tokenUrl, () =>
        HttpResponse.json({ error: 'temporarily_unavailable' }, { status: 503 }),
      ),
    );
    expect((await postToken(auth.tokenUrl, service)).status).toBe(503);
    expect(auth.tokenRequestCount).toBe(0); // the override answered, the kit never saw it
    server.resetHandlers();
    expect((await postToken(auth.tokenUrl, service)).status).toBe(200);
    expect(auth.tokenRequestCount).toBe(1);
  });
});

describe('a test team: two servers (two issuers) in one file', () => {
  it('each counts only its own token requests, on the same path of another host', async () => {
    expect(new URL(auth.tokenUrl).pathname).toBe(new URL(partner.tokenUrl).pathname);
    await postToken(auth.tokenUrl, service);
    await postToken(partner.tokenUrl, service);
    await postToken(partner.tokenUrl, service);
    expect([auth.tokenRequestCount, partner.tokenRequestCount]).toEqual([1, 2]);
  });

  it("one's access token is refused by the other's API (another key, another issuer)", async () => {
    const token = (await (await postToken(auth.tokenUrl, service)).json()).access_token as string;
    const mine = await callApi('https://api.example.test/data', token);
    const theirs = await callApi('https://api.partner.test/data', token);
    expect([mine.status, theirs.status]).toEqual([200, 401]);
    expect(theirs.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(partner.apiRequests.map((entry) => entry.authorization)).toEqual(['invalid']);
  });

  it("one's refresh token is unknown to the other, and its reset() leaves the other's state alone", async () => {
    const signIn = await (await postToken(auth.tokenUrl, password('alice', 'wonderland'))).json();
    const elsewhere = await postToken(partner.tokenUrl, refresh(signIn.refresh_token));
    expect([elsewhere.status, (await elsewhere.json()).error]).toEqual([400, 'invalid_grant']);
    partner.reset();
    expect((await postToken(auth.tokenUrl, refresh(signIn.refresh_token))).status).toBe(200);
    expect(auth.tokenRequestCount).toBe(2);
  });

  it('two tenants on one host keep their own endpoints, metadata and counts', async () => {
    const tenantA = createAuthServer({ issuer: 'https://login.example.test/tenant-a' });
    const tenantB = createAuthServer({ issuer: 'https://login.example.test/tenant-b' });
    server.use(...tenantA.handlers, ...tenantB.handlers);
    const metadataOf = async (url: string) => (await (await fetch(url)).json()).token_endpoint;
    expect(
      await metadataOf('https://login.example.test/.well-known/oauth-authorization-server/tenant-b'),
    ).toBe('https://login.example.test/tenant-b/oauth/token');
    expect(await metadataOf('https://login.example.test/tenant-a/.well-known/openid-configuration')).toBe(
      'https://login.example.test/tenant-a/oauth/token',
    );
    await postToken(tenantB.tokenUrl, service);
    expect([tenantA.tokenRequestCount, tenantB.tokenRequestCount, auth.tokenRequestCount]).toEqual([0, 1, 0]);
  });
});
