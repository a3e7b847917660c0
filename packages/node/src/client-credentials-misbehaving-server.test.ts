// A token endpoint that misbehaves as real ones do: narrower scopes, another audience, extreme
// expiries, and a service that creates a client per request. Counts token requests.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MalformedResponseError, rejectsToken } from '@tessera/core';
import { failUnhandledRequest } from '@tessera/testing';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ISSUER, SECRET, TOKEN_URL, tokenEndpoint } from '../test/msw-token-endpoint.js';
import { type ClientCredentials, clientCredentials } from './client-credentials.js';
import type { ClientCredentialsOptions } from './client-credentials-options.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  for (const client of clients.splice(0)) client.dispose();
  vi.useRealTimers();
});
afterAll(() => server.close());

const clients: ClientCredentials[] = [];
function client(options: Partial<ClientCredentialsOptions> = {}): ClientCredentials {
  const created = clientCredentials({
    tokenUrl: TOKEN_URL,
    clientId: 'billing',
    clientSecret: SECRET,
    ...options,
  });
  clients.push(created);
  return created;
}

/** An unsigned JWT with `claims` (clients never verify access tokens). */
function jwt(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none' })}.${part(claims)}.`;
}

describe('a server that grants fewer scopes than asked', () => {
  it('uses the narrowed token for its target, reports the granted scope, and asks once', async () => {
    const seen = tokenEndpoint(server, (_, n) =>
      HttpResponse.json({ access_token: `at-${n}`, token_type: 'Bearer', expires_in: 3600, scope: 'read' }),
    );
    const credentials = client({ scope: 'read write' });

    for (let i = 0; i < 100; i += 1) expect(await credentials.getAccessToken()).toBe('at-1');

    expect(seen).toHaveLength(1);
    expect((await credentials.for().getTokens()).scope).toBe('read');
  });

  it('serves a token granted for another scope than asked under the target asked for: one request, never another target', async () => {
    // RFC 6749 §3.3: the server may ignore the scope asked, and then names the one granted.
    const seen = tokenEndpoint(server, (_, n) =>
      HttpResponse.json({
        access_token: `at-${n}`,
        token_type: 'Bearer',
        expires_in: 3600,
        scope: 'billing:write',
      }),
    );
    const credentials = client({ scope: 'orders:read' });

    for (let i = 0; i < 100; i += 1) expect(await credentials.getAccessToken()).toBe('at-1');
    // The scope it was granted for is another target, with its own request and token.
    expect(await credentials.for({ scope: 'billing:write' }).getAccessToken()).toBe('at-2');

    expect(seen.map(({ form }) => form.get('scope'))).toEqual(['orders:read', 'billing:write']);
    expect((await credentials.for().getTokens()).scope).toBe('billing:write');
  });

  it('reports the requested scope when the answer has none (RFC 6749 §5.1: as requested)', async () => {
    const seen = tokenEndpoint(server, (_, n) =>
      HttpResponse.json({ access_token: `at-${n}`, token_type: 'Bearer', expires_in: 3600 }),
    );
    const credentials = client({ scope: 'write read' });

    expect((await credentials.for().getTokens()).scope).toBe('read write');
    expect((await credentials.for({ scope: 'a' }).getTokens()).scope).toBe('a');
    expect((await credentials.for({ audience: 'x' }).getTokens()).scope).toBeUndefined();
    expect(seen).toHaveLength(3);
  });

  it('an API answering 403 insufficient_scope for the narrowed token starts no token request', async () => {
    const seen = tokenEndpoint(server, (_, n) =>
      HttpResponse.json({ access_token: `at-${n}`, token_type: 'Bearer', expires_in: 3600, scope: 'read' }),
    );
    const credentials = client({ scope: 'read write' });
    const challenge = 'Bearer error="insufficient_scope", scope="read write"';
    for (let i = 0; i < 100; i += 1) {
      await credentials.getAccessToken();
      // What @tessera/fetch and @tessera/axios ask before refreshing: no, for 403 and for a 401 of this error.
      expect(rejectsToken(403, challenge, 'Bearer')).toBe(false);
      expect(rejectsToken(401, challenge, 'Bearer')).toBe(false);
    }
    expect(seen).toHaveLength(1);
  });
});

describe('a server that ignores audience and resource', () => {
  it('50 targets given the same token: one request each, each served its answer', async () => {
    const seen = tokenEndpoint(server, () =>
      HttpResponse.json({ access_token: 'same', token_type: 'Bearer', expires_in: 3600 }),
    );
    const credentials = client();
    for (let round = 0; round < 3; round += 1) {
      for (let i = 0; i < 50; i += 1) {
        expect(await credentials.for({ resource: `https://api-${i}.example.test` }).getAccessToken()).toBe(
          'same',
        );
      }
    }
    expect(seen).toHaveLength(50);
  });

  it('does not check a JWT aud against the target: the token goes to the API, which must check it', async () => {
    const token = jwt({ aud: 'https://other.example.test', exp: 4_000_000_000 });
    tokenEndpoint(server, () =>
      HttpResponse.json({ access_token: token, token_type: 'Bearer', expires_in: 3600 }),
    );
    const credentials = client();
    expect(await credentials.for({ audience: 'https://orders.example.test' }).getAccessToken()).toBe(token);
  });
});

describe('expiry extremes', () => {
  const now = Date.UTC(2026, 11, 5);
  const HOUR = 3_600_000;

  async function requestsOver1000Calls(body: Record<string, unknown>, stepMs: number) {
    let time = now;
    const seen = tokenEndpoint(server, (_, n) =>
      HttpResponse.json({ access_token: `at-${n}`, token_type: 'Bearer', ...body }),
    );
    const credentials = client({ clock: () => time, retry: false });
    const outcomes = new Set<string>();
    for (let i = 0; i < 1_000; i += 1) {
      outcomes.add(
        await credentials.getAccessToken().then(
          () => 'token',
          (error: unknown) =>
            error instanceof MalformedResponseError ? `malformed:${error.reason}` : String(error),
        ),
      );
      time += stepMs;
    }
    return { requests: seen.length, outcomes: [...outcomes] };
  }

  it.each([
    ['10 years', { expires_in: 10 * 365 * 24 * 3600 }, 1],
    ['1e308', { expires_in: 1e308 }, 1],
    ['"3600" (a string)', { expires_in: '3600' }, 1],
    ['missing, opaque token', {}, 1],
  ])('expires_in %s: one request over 1,000 calls 1 s apart', async (_, body, requests) => {
    expect(await requestsOver1000Calls(body, 1_000)).toEqual({ requests, outcomes: ['token'] });
  });

  it('expires_in 0: the reuse floor bounds requests over 1,000 calls 10 ms apart (10 s)', async () => {
    const { requests, outcomes } = await requestsOver1000Calls({ expires_in: 0 }, 10);
    expect(outcomes).toEqual(['token']);
    // floors of 1, 2, 4 s … : 1 + 1 + 1 + 1 requests within 10 s
    expect(requests).toBeLessThanOrEqual(5);
  });

  it('expires_in -5: a MalformedResponseError per call, one request per call (no retry storm behind it)', async () => {
    const { requests, outcomes } = await requestsOver1000Calls({ expires_in: -5 }, 10);
    expect(outcomes).toEqual(['malformed:invalid_field']);
    expect(requests).toBe(1_000);
  }, 30_000); // 1,000 sequential token requests through msw: 7 s on a machine under load (a CI run timed out at 5 s)

  it('a JWT exp hours away from expires_in: expires_in decides', async () => {
    let time = now;
    const seen = tokenEndpoint(server, (_, n) =>
      HttpResponse.json({
        access_token: jwt({ n, exp: (now + 5 * HOUR) / 1000 }),
        token_type: 'Bearer',
        expires_in: 3600,
      }),
    );
    const credentials = client({ clock: () => time });
    await credentials.getAccessToken();
    time += HOUR - 31_000;
    await credentials.getAccessToken();
    expect(seen).toHaveLength(1);
    time += 2_000;
    await credentials.getAccessToken();
    expect(seen).toHaveLength(2);
  });

  it('a JWT exp hours before expires_in, no iat (so no lifetime of its own): served until expires_in; the API 401 (invalidate) gets one new token', async () => {
    let time = now;
    const seen = tokenEndpoint(server, (_, n) =>
      HttpResponse.json({
        access_token: jwt({ n, exp: (time + HOUR) / 1000 }),
        token_type: 'Bearer',
        expires_in: 5 * 3600,
      }),
    );
    const credentials = client({ clock: () => time });
    const first = await credentials.getAccessToken();
    time += 2 * HOUR;
    expect(await credentials.getAccessToken()).toBe(first);
    expect(credentials.for().invalidate(first)).toBe(true);
    for (let i = 0; i < 100; i += 1) await credentials.getAccessToken();
    expect(seen).toHaveLength(2);
  });

  it.each([
    ['10 years', 365, 10 * 365 * 24 * 3600, 1],
    ['1e308', 365, 1e308, 1],
    ['0', 1, 0, 12 * 24 + 10],
  ])(
    'background refresh, expires_in %s: no timer over 2^31-1 ms, bounded requests over %i simulated days',
    async (_, days, expiresIn, most) => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now });
      const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
      const seen = tokenEndpoint(server, (_, n) =>
        HttpResponse.json({ access_token: `at-${n}`, token_type: 'Bearer', expires_in: expiresIn }),
      );
      const credentials = client({ refreshInBackground: true });
      await credentials.getAccessToken();
      for (let hour = 0; hour < days * 24; hour += 1) await vi.advanceTimersByTimeAsync(HOUR);

      const delays = setTimeoutSpy.mock.calls.map((call) => Number(call[1]));
      expect(Math.max(...delays)).toBeLessThanOrEqual(2 ** 31 - 1);
      // expires_in 0: the floor doubles from 1 s to 5 min, then one request per 5 min (about 12 an hour).
      expect(seen.length).toBeLessThanOrEqual(most);
      expect(seen.length).toBeGreaterThanOrEqual(expiresIn === 0 ? 12 * 24 : 1);
    },
  );

  it('the background timer of a 10-year token does not keep the process alive', async () => {
    tokenEndpoint(server, (_, n) =>
      HttpResponse.json({ access_token: `at-${n}`, token_type: 'Bearer', expires_in: 10 * 365 * 24 * 3600 }),
    );
    const timeouts = () => process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length;
    const before = timeouts();
    const credentials = client({ refreshInBackground: true });
    await credentials.getAccessToken();
    expect(timeouts()).toBe(before);
  });
});

describe('a client per request, never disposed', () => {
  it.each([
    ['tokenUrl', { tokenUrl: TOKEN_URL }],
    ['issuer (shared discovery)', { issuer: ISSUER }],
  ])(
    '10,000 clients with %s: no timer left, every client collected, one token request each',
    async (_, where) => {
      server.use(
        http.get(`${ISSUER}/.well-known/oauth-authorization-server`, () =>
          HttpResponse.json({ issuer: ISSUER, token_endpoint: TOKEN_URL }),
        ),
      );
      const seen = tokenEndpoint(server);
      const timeouts = () => process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length;
      const before = timeouts();
      const sampled: WeakRef<ClientCredentials>[] = [];
      for (let i = 0; i < 10_000; i += 1) {
        const careless = clientCredentials({ ...where, clientId: 'billing', clientSecret: SECRET });
        if (i % 100 === 0) sampled.push(new WeakRef(careless));
        await careless.getAccessToken();
      }
      expect(seen).toHaveLength(10_000);
      expect(timeouts()).toBe(before);
      for (let round = 0; round < 5; round += 1) {
        gc();
        await new Promise(setImmediate); // a new task: WeakRefs read in this one stay alive until it ends
      }
      // Every sampled client (one in 100) was collected: nothing global holds an undisposed client.
      expect(sampled.filter((ref) => ref.deref()).length).toBe(0);
    },
    120_000,
  );
});
