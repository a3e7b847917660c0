import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { postToken } from '../test/token-request.js';
import { createAuthServer } from './create-auth-server.js';
import { failUnhandledRequest } from './fail-unhandled-request.js';
import { createTestClock } from './test-clock.js';

const clock = createTestClock(Date.parse('2026-01-01T00:00:00Z'));
const auth = createAuthServer({ clock: clock.now });
const server = setupServer(...auth.handlers);
const clientCredentials = {
  form: { grant_type: 'client_credentials' },
  basic: ['service', 'service-secret'] as [string, string],
};

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  vi.useRealTimers();
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

describe('failNextTokenRequests', () => {
  it('fails the next N requests with 503 and an empty body by default, then recovers', async () => {
    auth.failNextTokenRequests(2);
    const statuses: number[] = [];
    for (let index = 0; index < 3; index += 1) {
      const response = await postToken(auth.tokenUrl, clientCredentials);
      statuses.push(response.status);
      if (index < 2) expect(await response.text()).toBe('');
    }
    expect(statuses).toEqual([503, 503, 200]);
    expect(auth.tokenRequestCount).toBe(3);
    expect(auth.tokenRequests.map((entry) => entry.status)).toEqual([503, 503, 200]);
  });

  it('sends Retry-After in seconds or as an HTTP date', async () => {
    auth.failNextTokenRequests(1, { status: 429, retryAfter: 7 });
    auth.failNextTokenRequests(1, { status: 503, retryAfter: 'Wed, 21 Oct 2026 07:28:00 GMT' });
    const first = await postToken(auth.tokenUrl, clientCredentials);
    const second = await postToken(auth.tokenUrl, clientCredentials);
    expect([first.status, first.headers.get('retry-after')]).toEqual([429, '7']);
    expect([second.status, second.headers.get('retry-after')]).toEqual([
      503,
      'Wed, 21 Oct 2026 07:28:00 GMT',
    ]);
  });

  it('answers an OAuth error body when given an error code', async () => {
    auth.failNextTokenRequests(1, { status: 400, error: 'invalid_grant' });
    const response = await postToken(auth.tokenUrl, clientCredentials);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
    expect(auth.tokenRequests[0]).toMatchObject({ status: 400, error: 'invalid_grant' });
  });

  it('answers a raw body such as a proxy HTML page', async () => {
    const page = '<html><body>502 Bad Gateway</body></html>';
    auth.failNextTokenRequests(1, { status: 502, body: page });
    auth.failNextTokenRequests(1, { status: 200, body: 'maintenance' });
    const html = await postToken(auth.tokenUrl, clientCredentials);
    expect([html.status, html.headers.get('content-type'), await html.text()]).toEqual([
      502,
      'text/html; charset=utf-8',
      page,
    ]);
    const text = await postToken(auth.tokenUrl, clientCredentials);
    expect([text.status, text.headers.get('content-type'), await text.text()]).toEqual([
      200,
      'text/plain; charset=utf-8',
      'maintenance',
    ]);
  });

  it('fails requests without touching the refresh token they carry', async () => {
    const { refresh_token } = await auth.issueTokens();
    auth.failNextTokenRequests(1);
    const form = { grant_type: 'refresh_token', refresh_token: refresh_token ?? '', client_id: 'web' };
    expect((await postToken(auth.tokenUrl, { form })).status).toBe(503);
    expect((await postToken(auth.tokenUrl, { form })).status).toBe(200);
  });

  it('rejects a negative or fractional count', () => {
    expect(() => auth.failNextTokenRequests(-1)).toThrow(RangeError);
    expect(() => auth.failNextTokenRequests(1.5)).toThrow(RangeError);
  });

  it.each([
    ['status 0', { status: 0 }],
    ['status 600', { status: 600 }],
    ['status 502.5', { status: 502.5 }],
    ['a body with status 204', { status: 204, error: 'temporarily_unavailable' }],
    ['a body with status 304', { status: 304, body: '<html></html>' }],
  ])('refuses %s when planned, not with an msw 500 when the request arrives', async (_, failure) => {
    expect(() => auth.failNextTokenRequests(1, failure)).toThrow(RangeError);
    expect((await postToken(auth.tokenUrl, clientCredentials)).status).toBe(200);
  });

  it('answers a planned 204 without a body', async () => {
    auth.failNextTokenRequests(1, { status: 204 });
    const response = await postToken(auth.tokenUrl, clientCredentials);
    expect([response.status, await response.text()]).toEqual([204, '']);
  });
});

describe('setLatency', () => {
  it('delays each token response by exactly the latency (fake timers)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    auth.setLatency(2_000);
    let status: number | undefined;
    const pending = postToken(auth.tokenUrl, clientCredentials).then((response) => {
      status = response.status;
    });
    await until(() => auth.tokenRequests.length === 1);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(status).toBeUndefined();
    expect(auth.tokenRequestCount).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(status).toBe(200);
  });

  it('releases the response when a test advances fake timers by the latency right after sending, on a fresh server', async () => {
    const fresh = createAuthServer(); // its signing key is generated on this first request
    server.use(...fresh.handlers);
    vi.useFakeTimers(); // everything vitest fakes by default, Date included
    fresh.setLatency(1_000);
    let status: number | undefined;
    const pending = postToken(fresh.tokenUrl, clientCredentials).then((response) => {
      status = response.status;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(status).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(status).toBe(200);
    expect(fresh.tokenRequests.map((entry) => entry.status)).toEqual([200]);
  });

  it('rejects a negative latency and turns off with 0', async () => {
    expect(() => auth.setLatency(-1)).toThrow(RangeError);
    auth.setLatency(0);
    expect((await postToken(auth.tokenUrl, clientCredentials)).status).toBe(200);
  });
});

describe('logs, counts and reset', () => {
  it('logs grant type, client, status, error and arrival time', async () => {
    await postToken(auth.tokenUrl, clientCredentials);
    clock.advance(1_000);
    await postToken(auth.tokenUrl, {
      form: { grant_type: 'password', username: 'alice', password: 'nope', client_id: 'web' },
    });
    const start = Date.parse('2026-01-01T00:00:00Z');
    expect(auth.tokenRequests).toEqual([
      { grantType: 'client_credentials', clientId: 'service', status: 200, at: start },
      { grantType: 'password', clientId: 'web', status: 400, error: 'invalid_grant', at: start + 1_000 },
    ]);
  });

  it('never puts a secret, password or token value in the token log', async () => {
    const secrets: string[] = ['service-secret', 'wonderland'];
    const signIn = await postToken(auth.tokenUrl, {
      form: { grant_type: 'password', username: 'alice', password: 'wonderland', client_id: 'web' },
    });
    const { access_token, refresh_token } = (await signIn.json()) as {
      access_token: string;
      refresh_token: string;
    };
    secrets.push(access_token, refresh_token);
    await postToken(auth.tokenUrl, {
      form: { grant_type: 'refresh_token', refresh_token, client_id: 'web' },
    });
    await postToken(auth.tokenUrl, {
      form: { grant_type: 'refresh_token', refresh_token, client_id: 'web' },
    });
    await postToken(auth.tokenUrl, clientCredentials);
    await postToken(auth.tokenUrl, {
      form: { grant_type: 'client_credentials', client_id: 'service', client_secret: 'service-secret' },
    });
    await postToken(auth.tokenUrl, {
      form: { grant_type: 'client_credentials' },
      basic: ['service', 'wrong-secret'],
    });
    secrets.push('wrong-secret');
    const log = JSON.stringify(auth.tokenRequests);
    expect(auth.tokenRequests).toHaveLength(6);
    for (const secret of secrets) expect(log).not.toContain(secret);
    for (const entry of auth.tokenRequests) {
      expect(Object.keys(entry).sort()).toEqual(
        expect.arrayContaining(['at', 'clientId', 'grantType', 'status']),
      );
      expect(
        Object.keys(entry).every((key) => ['at', 'clientId', 'grantType', 'status', 'error'].includes(key)),
      ).toBe(true);
    }
  });

  it('hands out copies of the logs', async () => {
    await postToken(auth.tokenUrl, clientCredentials);
    const snapshot = auth.tokenRequests as unknown as unknown[];
    snapshot.length = 0;
    expect(auth.tokenRequests).toHaveLength(1);
  });

  it('mints tokens with issueTokens without counting a request', async () => {
    const tokens = await auth.issueTokens({ scope: 'openid  profile' });
    expect(tokens).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 300,
      refresh_token: expect.any(String),
      scope: 'openid profile',
    });
    expect(auth.tokenRequestCount).toBe(0);
    await expect(auth.issueTokens({ username: 'bob' })).rejects.toThrow('no user bob');
    await expect(auth.issueTokens({ clientId: 'nobody' })).rejects.toThrow('no client nobody');
  });

  it('clears logs, counts, failures, latency and issued tokens on reset()', async () => {
    const { refresh_token } = await auth.issueTokens();
    await postToken(auth.tokenUrl, clientCredentials);
    auth.failNextTokenRequests(5);
    auth.setLatency(60_000);
    auth.revokeAll();
    auth.reset();
    expect([auth.tokenRequestCount, auth.tokenRequests, auth.apiRequests]).toEqual([0, [], []]);
    expect((await postToken(auth.tokenUrl, clientCredentials)).status).toBe(200);
    const stale = await postToken(auth.tokenUrl, {
      form: { grant_type: 'refresh_token', refresh_token: refresh_token ?? '', client_id: 'web' },
    });
    expect(await stale.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('revokes refresh tokens on revokeAll()', async () => {
    const { refresh_token } = await auth.issueTokens();
    auth.revokeAll();
    const response = await postToken(auth.tokenUrl, {
      form: { grant_type: 'refresh_token', refresh_token: refresh_token ?? '', client_id: 'web' },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
  });
});
