import { clientCredentialsGrant, refreshTokenGrant, TokenManager } from '@tessera/core';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuthServer } from './create-auth-server.js';
import { failUnhandledRequest } from './fail-unhandled-request.js';
import { createTestClock } from './test-clock.js';

const clock = createTestClock(Date.parse('2026-01-01T00:00:00Z'));
const auth = createAuthServer({ clock: clock.now });
const server = setupServer(...auth.handlers, ...auth.protectedApi('https://api.example.test'));

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  auth.reset();
});
afterAll(() => server.close());

/** Yields to the real event loop (setImmediate, not faked; no sleep) until `condition` holds, for at most 10 s. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!condition() && performance.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
  expect(condition()).toBe(true);
}

describe('with @tessera/core TokenManager', () => {
  it('sends one client_credentials request for 500 concurrent cold callers', async () => {
    const tokens = new TokenManager({
      clock: clock.now,
      fetchTokens: clientCredentialsGrant({
        tokenUrl: auth.tokenUrl,
        clientId: 'service',
        clientSecret: 'service-secret',
      }),
    });
    const results = await Promise.all(Array.from({ length: 500 }, () => tokens.getAccessToken()));
    expect(new Set(results).size).toBe(1);
    expect(auth.tokenRequestCount).toBe(1);
  });

  it('retries an injected 503 after its Retry-After and gets the token on the second request', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      auth.failNextTokenRequests(1, { status: 503, retryAfter: 2 });
      const tokens = new TokenManager({
        clock: clock.now,
        retry: { randomize: false },
        fetchTokens: clientCredentialsGrant({
          tokenUrl: auth.tokenUrl,
          clientId: 'service',
          clientSecret: 'service-secret',
        }),
      });
      const retries: number[] = [];
      tokens.subscribe((event) => {
        if (event.type === 'retrying') retries.push(event.delay);
      });
      const token = tokens.getAccessToken();
      await until(() => retries.length === 1);
      expect(retries).toEqual([2_000]);
      await vi.advanceTimersByTimeAsync(1_999);
      expect(auth.tokenRequestCount).toBe(1);
      // Retry-After (2 s) is longer than core's backoff (200 ms), so attempt 2 goes out at 2 s.
      await vi.advanceTimersByTimeAsync(1);
      await until(() => auth.tokenRequestCount === 2);
      await expect(token).resolves.toEqual(expect.any(String));
      expect(auth.tokenRequests.map((entry) => entry.status)).toEqual([503, 200]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('ends the session with invalid_grant after another client reused the rotated refresh token', async () => {
    const tokens = new TokenManager({
      clock: clock.now,
      retry: false,
      fetchTokens: refreshTokenGrant({ tokenUrl: auth.tokenUrl, clientId: 'web' }),
    });
    const signIn = await auth.issueTokens();
    await tokens.setTokens(signIn);
    await tokens.getAccessToken({ forceRefresh: true });
    // A stolen copy of the first refresh token is replayed: the server revokes the family.
    const stolen = await fetch(auth.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: signIn.refresh_token ?? '',
        client_id: 'web',
      }),
    });
    expect(stolen.status).toBe(400);
    await expect(tokens.getAccessToken({ forceRefresh: true })).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('sends one refresh for 500 concurrent callers after expiry and the API accepts the new token', async () => {
    const tokens = new TokenManager({
      clock: clock.now,
      fetchTokens: refreshTokenGrant({ tokenUrl: auth.tokenUrl, clientId: 'web' }),
    });
    await tokens.setTokens(await auth.issueTokens());
    clock.advance(300_000);
    const results = await Promise.all(Array.from({ length: 500 }, () => tokens.getAccessToken()));
    expect(new Set(results).size).toBe(1);
    expect(auth.tokenRequests).toEqual([
      { grantType: 'refresh_token', clientId: 'web', status: 200, at: clock.now() },
    ]);
    const response = await fetch('https://api.example.test/me', {
      headers: { Authorization: `Bearer ${results[0]}` },
    });
    expect(response.status).toBe(200);
  });
});
