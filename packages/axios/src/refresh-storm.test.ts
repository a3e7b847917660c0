import {
  isOAuthError,
  LoginRequiredError,
  refreshTokenGrant,
  type TokenEvent,
  TokenManager,
} from '@tessera/core';
import { createAuthServer, createTestClock, failUnhandledRequest } from '@tessera/testing';
import axios, { type AxiosError } from 'axios';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { attachTokenManager } from './attach-token-manager.js';

const issuer = 'https://auth.example.com';
const apiBase = 'https://api.example.com';
const clientId = 'web';
const N = 1_000;

const clock = createTestClock(1_700_000_000_000);
const auth = createAuthServer({ issuer, clock: clock.now, accessTokenLifetime: 60_000 });
const server = setupServer(...auth.handlers, ...auth.protectedApi(apiBase));

const managers: TokenManager[] = [];
async function signedIn() {
  const tokens = new TokenManager({
    fetchTokens: refreshTokenGrant({ tokenUrl: auth.tokenUrl, clientId }),
    clock: clock.now,
    retry: false,
  });
  managers.push(tokens);
  await tokens.setTokens(await auth.issueTokens({ username: 'alice', clientId }));
  const events: TokenEvent[] = [];
  tokens.subscribe((event) => events.push(event));
  const baseline = auth.tokenRequestCount;
  return { tokens, events, tokenRequests: () => auth.tokenRequestCount - baseline };
}

/**
 * Revokes one access token while its refresh token stays usable. `@tessera/testing` has no such
 * control (`revokeAll()` also revokes refresh tokens), so this msw handler answers in front of
 * `protectedApi` with the 401 a resource server gives for a revoked token, and lets every other
 * token through. Returns the URLs it rejected.
 */
function revokeAccessToken(accessToken: string): string[] {
  const rejected: string[] = [];
  server.use(
    http.all(`${apiBase}/*`, ({ request }) => {
      if (request.headers.get('authorization') !== `Bearer ${accessToken}`) return undefined;
      rejected.push(request.url);
      return new HttpResponse(null, {
        status: 401,
        headers: {
          'WWW-Authenticate':
            'Bearer error="invalid_token", error_description="The access token was revoked"',
        },
      });
    }),
  );
  return rejected;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
  server.resetHandlers();
  auth.reset();
});
afterAll(() => server.close());

// 1,000 requests through msw take seconds on a busy machine.
describe('refresh storms against the mock authorization server', { timeout: 60_000 }, () => {
  it('sends 1 token request for 1,000 concurrent requests with an expired token; none reaches the API with it', async () => {
    const { tokens, tokenRequests } = await signedIn();
    const api = axios.create({ baseURL: apiBase });
    attachTokenManager(api, tokens);
    clock.advance(61_000);

    const results = await Promise.allSettled(Array.from({ length: N }, (_, i) => api.get(`/orders/${i}`)));

    expect(tokenRequests()).toBe(1);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(N);
    expect(auth.apiRequests).toHaveLength(N);
    expect(auth.apiRequests.filter((request) => request.authorization !== 'valid')).toHaveLength(0);
  });

  it('replays each of 1,000 concurrent 401s exactly once after 1 token request when the server revoked the token', async () => {
    const { tokens, tokenRequests } = await signedIn();
    const api = axios.create({ baseURL: apiBase });
    attachTokenManager(api, tokens);
    const rejected = revokeAccessToken(await tokens.getAccessToken());

    const results = await Promise.allSettled(Array.from({ length: N }, (_, i) => api.get(`/orders/${i}`)));

    expect(tokenRequests()).toBe(1);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(N);
    expect(new Set(rejected).size).toBe(N); // every request got its 401…
    expect(rejected).toHaveLength(N);
    const replayed = auth.apiRequests.map((request) => request.url);
    expect(new Set(replayed)).toEqual(new Set(rejected)); // …and exactly one replay, with a valid token
    expect(replayed).toHaveLength(N);
    expect(auth.apiRequests.every((request) => request.authorization === 'valid')).toBe(true);
  });

  it('replays late 401s (arriving after the refresh finished) with the new token, without a second token request', async () => {
    const { tokens, tokenRequests } = await signedIn();
    const api = axios.create({ baseURL: apiBase });
    attachTokenManager(api, tokens);
    const revoked = await tokens.getAccessToken();
    const rejected = revokeAccessToken(revoked);
    const refreshed = deferred();
    tokens.subscribe((event) => {
      if (event.type === 'refreshed') refreshed.resolve();
    });
    let held = 0;
    let releasedAfterRefresh = 0;
    // In front of everything: 300 requests sent with the revoked token are answered only once the
    // refresh triggered by the other 700 has finished; then they fall through and get their 401.
    server.use(
      http.get(`${apiBase}/late/:i`, async ({ request }) => {
        if (request.headers.get('authorization') !== `Bearer ${revoked}`) return undefined;
        held += 1;
        await refreshed.promise;
        if (tokens.peekTokens()?.accessToken !== revoked) releasedAfterRefresh += 1;
        return undefined;
      }),
    );

    const early = Array.from({ length: 700 }, (_, i) => api.get(`/orders/${i}`));
    const late = Array.from({ length: 300 }, (_, i) => api.get(`/late/${i}`));
    const results = await Promise.allSettled([...early, ...late]);

    expect([held, releasedAfterRefresh]).toEqual([300, 300]);
    expect(tokenRequests()).toBe(1);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(N);
    expect(rejected).toHaveLength(N);
    expect(auth.apiRequests.filter((request) => request.authorization === 'valid')).toHaveLength(N);
    expect(auth.apiRequests).toHaveLength(N);
  });

  it('rejects once with the replay’s 401 when the replay is refused too, after 1 token request', async () => {
    const { tokens, tokenRequests } = await signedIn();
    const api = axios.create({ baseURL: apiBase });
    attachTokenManager(api, tokens);
    let refused = 0;
    server.use(
      http.get(`${apiBase}/refuses-everyone/:i`, () => {
        refused += 1;
        return new HttpResponse(null, {
          status: 401,
          headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
        });
      }),
    );

    const errors = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        api.get(`/refuses-everyone/${i}`).then(
          () => undefined,
          (error: AxiosError) => error,
        ),
      ),
    );

    expect(
      errors.filter((error) => axios.isAxiosError(error) && error.response?.status === 401),
    ).toHaveLength(100);
    expect(refused).toBe(200);
    expect(tokenRequests()).toBe(1);
  });

  it('rejects every waiting request with the OAuthError when the refresh fails with invalid_grant; session_expired fires once', async () => {
    const { tokens, events, tokenRequests } = await signedIn();
    const api = axios.create({ baseURL: apiBase });
    attachTokenManager(api, tokens);
    auth.failNextTokenRequests(1, { status: 400, error: 'invalid_grant' });
    clock.advance(61_000);

    const errors = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        api.get(`/orders/${i}`).then(
          () => undefined,
          (error: unknown) => error,
        ),
      ),
    );

    expect(errors.filter((error) => isOAuthError(error, 'invalid_grant'))).toHaveLength(N);
    expect(new Set(errors).size).toBe(1);
    expect(events.filter((event) => event.type === 'session_expired')).toHaveLength(1);
    expect(tokenRequests()).toBe(1);
    expect(auth.apiRequests).toHaveLength(0);
    expect(tokens.peekTokens()).toBeUndefined();
  });

  it('rejects every 401 waiting on the refresh with the OAuthError when the server revoked the whole session', async () => {
    const { tokens, events, tokenRequests } = await signedIn();
    const api = axios.create({ baseURL: apiBase });
    attachTokenManager(api, tokens);
    // Hold the token response until every request has had its 401 and waits for the refresh:
    // N calls from the 401 handler (the request interceptor took the fresh set from `freshTokens()`).
    const allWaiting = deferred();
    const getTokens = tokens.getTokens.bind(tokens);
    let calls = 0;
    tokens.getTokens = (options) => {
      calls += 1;
      if (calls === N) allWaiting.resolve();
      return getTokens(options);
    };
    server.use(
      http.post(auth.tokenUrl, async () => {
        await allWaiting.promise;
        return undefined; // on to the mock server, which answers invalid_grant
      }),
    );
    auth.revokeAll(); // access and refresh tokens

    const errors = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        api.get(`/orders/${i}`).then(
          () => undefined,
          (error: unknown) => error,
        ),
      ),
    );

    expect(errors.filter((error) => isOAuthError(error, 'invalid_grant'))).toHaveLength(N);
    expect(new Set(errors).size).toBe(1);
    expect(events.filter((event) => event.type === 'session_expired')).toHaveLength(1);
    expect(tokenRequests()).toBe(1);
    expect(auth.tokenRequests.map((request) => request.error)).toEqual(['invalid_grant']);
    expect(auth.apiRequests.filter((request) => request.authorization === 'revoked')).toHaveLength(N);
    expect(auth.apiRequests).toHaveLength(N);
  });

  it('rejects a 401 that arrives after the session ended with LoginRequiredError, without a token request', async () => {
    const { tokens, tokenRequests } = await signedIn();
    const api = axios.create({ baseURL: apiBase });
    attachTokenManager(api, tokens);
    const arrived = deferred();
    const release = deferred();
    server.use(
      http.get(`${apiBase}/slow`, async () => {
        arrived.resolve();
        await release.promise;
        return undefined; // on to the protected API: 401, revoked
      }),
    );
    auth.revokeAll();

    const pending = api.get('/slow').catch((error: unknown) => error);
    await arrived.promise;
    await tokens.clear(); // signed out (here or in another tab) while the request was in flight
    release.resolve();

    expect(await pending).toBeInstanceOf(LoginRequiredError);
    expect(tokenRequests()).toBe(0);
    expect(auth.apiRequests.map((request) => request.authorization)).toEqual(['revoked']);
  });

  it('refreshes once for two axios instances sharing one manager', async () => {
    const { tokens, tokenRequests } = await signedIn();
    const instances = [
      axios.create({ baseURL: apiBase }),
      axios.create({ baseURL: apiBase, adapter: 'fetch' }),
    ];
    for (const instance of instances) attachTokenManager(instance, tokens);
    clock.advance(61_000);

    const results = await Promise.allSettled(
      instances.flatMap((instance) => Array.from({ length: 250 }, (_, i) => instance.get(`/orders/${i}`))),
    );

    expect(tokenRequests()).toBe(1);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(500);
    expect(auth.apiRequests.filter((request) => request.authorization === 'valid')).toHaveLength(500);
  });
});
