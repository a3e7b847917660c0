import { HttpResponse, http } from 'msw';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postToken } from '../test/token-request.js';
import { createAuthServer } from './create-auth-server.js';
import { type HandlerServer, serveHandlers } from './serve-handlers.js';

// No msw interception in this file: every request goes over real loopback HTTP.
describe('serveHandlers', () => {
  let server: HandlerServer;
  let auth: ReturnType<typeof createAuthServer>;

  beforeAll(async () => {
    server = await serveHandlers();
    auth = createAuthServer({ issuer: server.url });
    server.use(...auth.handlers, ...auth.protectedApi(`${server.url}/api`));
  }, 30_000);
  afterAll(() => server.close());

  it('listens on 127.0.0.1 with a free port', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).not.toMatch(/:0$/);
  });

  it('issues tokens and serves the protected API over real HTTP', async () => {
    const tokenResponse = await postToken(auth.tokenUrl, {
      form: { grant_type: 'client_credentials' },
      basic: ['service', 'service-secret'],
    });
    expect(tokenResponse.status).toBe(200);
    const { access_token } = (await tokenResponse.json()) as { access_token: string };
    const api = await fetch(`${server.url}/api/orders?limit=1`, {
      headers: { Authorization: `Bearer ${access_token}` },
    });
    expect(api.status).toBe(200);
    expect(await api.json()).toEqual({ ok: true, method: 'GET', path: '/api/orders', sub: 'service' });
    expect(auth.tokenRequestCount).toBe(1);
  });

  it('answers 401 with WWW-Authenticate readable cross-origin', async () => {
    const api = await fetch(`${server.url}/api/orders`, { headers: { Origin: 'http://127.0.0.1:1' } });
    expect(api.status).toBe(401);
    expect(api.headers.get('www-authenticate')).toBe(`Bearer realm="${server.url}/api"`);
    expect(api.headers.get('access-control-allow-origin')).toBe('*');
    expect(api.headers.get('access-control-expose-headers')).toContain('WWW-Authenticate');
  });

  it('answers CORS preflights for Authorization and Content-Type', async () => {
    const preflight = await fetch(`${server.url}/api/orders`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://127.0.0.1:1',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Content-Type/);
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(/POST/);
  });

  it('answers a preflight for a DPoP request and exposes DPoP-Nonce and WWW-Authenticate', async () => {
    const preflight = await fetch(`${server.url}/api/orders`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://127.0.0.1:1',
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'authorization,dpop',
      },
    });
    expect(preflight.status).toBe(204);
    const allowed = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'dpop']));
    server.use(
      http.get(`${server.url}/dpop-api`, () => {
        const headers = { 'DPoP-Nonce': 'nonce-1', 'WWW-Authenticate': 'DPoP error="use_dpop_nonce"' };
        return new HttpResponse(null, { status: 401, headers });
      }),
    );
    const challenge = await fetch(`${server.url}/dpop-api`, {
      headers: { Origin: 'http://127.0.0.1:1', DPoP: 'proof' },
    });
    expect(challenge.headers.get('dpop-nonce')).toBe('nonce-1');
    const exposed = (challenge.headers.get('access-control-expose-headers') ?? '')
      .toLowerCase()
      .split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['dpop-nonce', 'www-authenticate', 'retry-after']));
  });

  it('answers 404 for a request no handler matches, naming the path but never the query', async () => {
    const response = await fetch(`${server.url}/nowhere?code=secret-code&access_token=secret-token`);
    expect(response.status).toBe(404);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(await response.text()).toBe('serveHandlers: no handler for GET /nowhere');
  });

  it('serves the revocation endpoint', async () => {
    const { refresh_token = '' } = await auth.issueTokens();
    const response = await fetch(auth.revocationUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: refresh_token, client_id: 'web' }),
    });
    expect(response.status).toBe(200);
    expect(auth.revocationRequests.at(-1)).toMatchObject({ status: 200, revoked: 'refresh_token' });
  });

  it('gives handlers added later precedence, like msw use()', async () => {
    server.use(http.get(`${server.url}/api/health`, () => HttpResponse.json({ up: true })));
    const response = await fetch(`${server.url}/api/health`);
    expect(await response.json()).toEqual({ up: true });
  });
});
