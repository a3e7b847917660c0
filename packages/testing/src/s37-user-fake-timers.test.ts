import { backgroundRefresh, clientCredentialsGrant, TokenManager } from '@tessera/core';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { postToken } from '../test/token-request.js';
import { createAuthServer, createTestClock, failUnhandledRequest } from './index.js';

// Two servers: one on a test clock (README "Setup › Node"), one on its default clock (`Date.now`).
const clock = createTestClock(Date.parse('2026-01-01T00:00:00Z'));
const auth = createAuthServer({ issuer: 'https://auth.example.test', clock: clock.now });
const onDate = createAuthServer({ issuer: 'https://date.example.test' });
const server = setupServer(...auth.handlers, ...onDate.handlers);

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  vi.useRealTimers();
  server.resetHandlers();
  auth.reset();
  onDate.reset();
});
afterAll(() => server.close());

const service = {
  form: { grant_type: 'client_credentials' },
  basic: ['service', 'service-secret'] as [string, string],
};
const grantOf = (server: { tokenUrl: string }) =>
  clientCredentialsGrant({ tokenUrl: server.tokenUrl, clientId: 'service', clientSecret: 'service-secret' });

describe('a test team: fake timers with the kit', () => {
  it('vi.useFakeTimers(): the latency is released by advancing the timers by it, not a millisecond earlier', async () => {
    vi.useFakeTimers();
    auth.setLatency(5_000);
    let status = 0;
    const sent = postToken(auth.tokenUrl, service).then((response) => {
      status = response.status;
    });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(status).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    await sent;
    expect([status, auth.tokenRequestCount]).toEqual([200, 1]);
  });

  it("a TokenManager's timeout fires during the kit's latency under fake timers, without real time", async () => {
    vi.useFakeTimers();
    auth.setLatency(60_000);
    const tokens = new TokenManager({ clock: clock.now, fetchTokens: grantOf(auth), retry: false });
    const failed = tokens.getAccessToken().catch((error: Error) => error.name);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await failed).toBe('TimeoutError');
  });

  it('toFake: [Date] only: the test clock is not moved by vi.setSystemTime, and a request needs no timer', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2030-01-01T00:00:00Z'));
    const response = await postToken(auth.tokenUrl, service);
    expect(response.status).toBe(200);
    expect(auth.tokenRequests[0]?.at).toBe(Date.parse('2026-01-01T00:00:00Z'));
  });

  it("refreshInBackground with the test clock: the README's recipe (clock first, then the timers, then the answer)", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const tokens = new TokenManager({
      clock: clock.now,
      refreshInBackground: backgroundRefresh(),
      fetchTokens: clientCredentialsGrant({
        tokenUrl: auth.tokenUrl,
        clientId: 'service',
        clientSecret: 'service-secret',
      }),
    });
    await tokens.getAccessToken();
    // The timers alone: the background timer fires, but by the test clock nothing is due yet.
    await vi.advanceTimersByTimeAsync(270_000);
    expect(auth.tokenRequestCount).toBe(1);
    clock.advance(270_000); // 30 s (refreshMargin) before the 5-minute token expires
    await vi.advanceTimersByTimeAsync(270_000); // the background refresh is sent…
    await vi.waitUntil(() => auth.tokenRequests.length === 2); // …and answered
    expect(
      auth.tokenRequests.map((entry) => [entry.status, entry.at - Date.parse('2026-01-01T00:00:00Z')]),
    ).toEqual([
      [200, 0],
      [200, 270_000],
    ]);
    tokens.dispose();
  });

  it('the recipe: fake setTimeout and Date only, advance to the refresh, then let the request finish', async () => {
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'Date'],
      now: Date.parse('2026-01-01T00:00:00Z'),
    });
    const tokens = new TokenManager({
      refreshInBackground: backgroundRefresh(),
      fetchTokens: grantOf(onDate),
    });
    const first = await tokens.getAccessToken();
    await vi.advanceTimersByTimeAsync(270_000); // the background refresh is sent (refreshMargin 30 s)
    await vi.waitUntil(() => onDate.tokenRequests.length === 2); // real time for the answer to be signed
    expect(await tokens.getAccessToken()).not.toBe(first);
    expect(onDate.tokenRequests.map((entry) => entry.at - Date.parse('2026-01-01T00:00:00Z'))).toEqual([
      0, 270_000,
    ]);
    tokens.dispose();
  });
});
