import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAuthServer } from './create-auth-server.js';
import { failUnhandledRequest } from './fail-unhandled-request.js';
import { createTestClock } from './test-clock.js';

const start = Date.parse('2026-01-01T00:00:00Z');
const clock = createTestClock(start);
const auth = createAuthServer({
  clock: clock.now,
  users: [{ username: 'alice@example.test', password: 'wonderland' }],
  clients: [{ clientId: 'web', redirectUris: ['https://app.example.test/callback'] }],
});
const server = setupServer(...auth.handlers);
const redirectUri = 'https://app.example.test/callback';
/** Values of the request a log must never hold. */
const SECRETS = ['state-secret', 'nonce-secret', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', 'alice@'];

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  auth.reset();
});
afterAll(() => server.close());

function authorizationRequest(params: Record<string, string> = {}): string {
  const url = new URL(auth.authorizationUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: 'web',
    redirect_uri: redirectUri,
    scope: 'openid orders:read',
    state: 'state-secret',
    nonce: 'nonce-secret',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    login_hint: 'alice@example.test',
    ...params,
  }).toString();
  return url.href;
}

const expected = {
  clientId: 'web',
  redirectUri,
  scope: 'openid orders:read',
  prompt: undefined,
  codeChallengeMethod: 'S256',
  status: 303,
  at: start,
};

describe('auth.authorizationRequests', () => {
  it('logs GETs on the endpoint and authorize() calls, without code, state, nonce, challenge or login_hint', async () => {
    const viaAuthorize = auth.authorize(authorizationRequest());
    const response = await fetch(authorizationRequest({ prompt: 'none' }), { redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(auth.authorizationRequests).toEqual([
      { ...expected, via: 'authorize' },
      { ...expected, via: 'endpoint', prompt: 'none' },
    ]);
    const logged = JSON.stringify(auth.authorizationRequests);
    const codes = [viaAuthorize, response.headers.get('location') ?? ''].map(
      (callback) => new URL(callback).searchParams.get('code') ?? '',
    );
    for (const secret of [...SECRETS, ...codes]) expect(logged).not.toContain(secret);
    expect(auth.tokenRequestCount).toBe(0);
  });

  it("logs an error redirect with its OAuth error (303) and a refused request (400) with its error page's", async () => {
    auth.authorize(authorizationRequest(), { error: 'access_denied' });
    auth.authorize(authorizationRequest({ code_challenge_method: 'plain' }));
    const unregistered = authorizationRequest({ redirect_uri: 'https://evil.example/cb' });
    expect(() => auth.authorize(unregistered)).toThrow('redirect_uri is not registered');
    expect((await fetch(unregistered, { redirect: 'manual' })).status).toBe(400);
    expect(() => auth.authorize(authorizationRequest(), { user: 'bob' } as never)).toThrow(TypeError);
    expect(auth.authorizationRequests.map(({ via, status, error }) => [via, status, error])).toEqual([
      ['authorize', 303, 'access_denied'],
      ['authorize', 303, 'invalid_request'],
      ['authorize', 400, 'invalid_redirect_uri'],
      ['endpoint', 400, 'invalid_redirect_uri'],
    ]);
    expect(JSON.stringify(auth.authorizationRequests)).not.toMatch(/state-secret|nonce-secret|alice@/);
  });

  it('logs the error of a fragment answer (303), and a form_post answer as 200, or 400 with its error', async () => {
    auth.authorize(authorizationRequest({ response_type: 'token' }));
    expect((await fetch(authorizationRequest({ response_mode: 'form_post' }))).status).toBe(200);
    const refused = await fetch(authorizationRequest({ response_mode: 'form_post', prompt: 'bogus' }));
    expect(refused.status).toBe(400);
    expect(auth.authorizationRequests.map(({ via, status, error }) => [via, status, error])).toEqual([
      ['authorize', 303, 'unsupported_response_type'],
      ['endpoint', 200, undefined],
      ['endpoint', 400, 'invalid_request'],
    ]);
  });

  it('is a copy, and reset() clears it', () => {
    auth.authorize(authorizationRequest());
    const log = auth.authorizationRequests as unknown as { status: number }[];
    (log[0] as { status: number }).status = 500;
    log.length = 0;
    expect(auth.authorizationRequests).toHaveLength(1);
    expect(auth.authorizationRequests[0]?.status).toBe(303);
    auth.reset();
    expect(auth.authorizationRequests).toEqual([]);
  });
});
