import { TokenManager } from '@tessera/core';
import { failUnhandledRequest } from '@tessera/testing';
import axios, { type AxiosError, type AxiosInstance } from 'axios';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { attachTokenManager } from './attach-token-manager.js';

const X = 'https://x.example.com';
const Y = 'https://y.example.com';
const AUTH = 'https://auth.example.com';

/** Token requests per manager (`a`, `b`); each answers `<who>-<n>`. */
const tokenRequests: Record<string, number> = {};
/** Every API request as sent: `<host> <Authorization> <X-Api-Key>` (`-` when absent). */
const apiCalls: string[] = [];
/** Header values the APIs answer 401 for. */
let rejected = new Set<string>();

const server = setupServer(
  http.post(`${AUTH}/:who/token`, ({ params }) => {
    const who = String(params.who);
    tokenRequests[who] = (tokenRequests[who] ?? 0) + 1;
    return HttpResponse.json({
      access_token: `${who}-${tokenRequests[who]}`,
      token_type: 'Bearer',
      expires_in: 300,
    });
  }),
  ...[X, Y].map((origin) =>
    http.get(`${origin}/*`, ({ request }) => {
      const authorization = request.headers.get('authorization') ?? '-';
      const key = request.headers.get('x-api-key') ?? '-';
      apiCalls.push(`${new URL(request.url).host} ${authorization} ${key}`);
      if (rejected.has(authorization) || rejected.has(key)) {
        return new HttpResponse(null, {
          status: 401,
          headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
        });
      }
      return HttpResponse.json({ ok: true });
    }),
  ),
);

const managers: TokenManager[] = [];
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
  for (const who of Object.keys(tokenRequests)) delete tokenRequests[who];
  apiCalls.length = 0;
  rejected = new Set();
  server.resetHandlers();
});
afterAll(() => server.close());

/** A manager holding `<who>-0`, whose refresh asks `${AUTH}/<who>/token` (counted in `tokenRequests`). */
async function manager(who: string): Promise<TokenManager> {
  const tokens = new TokenManager({
    fetchTokens: async () => (await fetch(`${AUTH}/${who}/token`, { method: 'POST' })).json(),
    retry: false,
  });
  managers.push(tokens);
  await tokens.setTokens({ access_token: `${who}-0`, token_type: 'Bearer', expires_in: 300 });
  return tokens;
}

function statusOf(request: Promise<{ status: number }>): Promise<number | undefined> {
  return request.then(
    (response) => response.status,
    (error: AxiosError) => error.response?.status,
  );
}

describe('attachTokenManager: two managers on one instance, one header', () => {
  async function twoApis(): Promise<AxiosInstance> {
    const instance = axios.create();
    attachTokenManager(instance, await manager('a'), { origins: [X] });
    attachTokenManager(instance, await manager('b'), { origins: [Y] });
    return instance;
  }

  it("a 401 from API X refreshes and replays with X's manager only; Y's manager sends no token request", async () => {
    const instance = await twoApis();
    rejected = new Set(['Bearer a-0']);
    expect(await statusOf(instance.get(`${X}/orders`))).toBe(200);
    expect(tokenRequests).toEqual({ a: 1 });
    expect(apiCalls).toEqual(['x.example.com Bearer a-0 -', 'x.example.com Bearer a-1 -']);

    rejected = new Set(['Bearer b-0']);
    expect(await statusOf(instance.get(`${Y}/orders`))).toBe(200);
    expect(tokenRequests).toEqual({ a: 1, b: 1 });
    expect(apiCalls.slice(2)).toEqual(['y.example.com Bearer b-0 -', 'y.example.com Bearer b-1 -']);
  });

  it('a 401 from an origin neither manager allows is left alone: no token, no token request, no replay', async () => {
    const instance = axios.create();
    attachTokenManager(instance, await manager('a'), { origins: [X] });
    attachTokenManager(instance, await manager('b'), { origins: [X] });
    rejected = new Set(['-']);
    expect(await statusOf(instance.get(`${Y}/orders`))).toBe(401);
    expect(tokenRequests).toEqual({});
    expect(apiCalls).toEqual(['y.example.com - -']);
  });

  it('an origin both allow gets one token, and only the manager whose token was sent refreshes and replays', async () => {
    const instance = axios.create();
    attachTokenManager(instance, await manager('a'), { origins: [X] });
    // Registered last, so its request interceptor runs first: its token is the one sent to X.
    attachTokenManager(instance, await manager('b'), { origins: [X, Y] });
    rejected = new Set(['Bearer a-0', 'Bearer b-0']);
    expect(await statusOf(instance.get(`${X}/orders`))).toBe(200);
    expect(tokenRequests).toEqual({ b: 1 });
    expect(apiCalls).toEqual(['x.example.com Bearer b-0 -', 'x.example.com Bearer b-1 -']);
  });

  it("a replay's 401 is not taken by the other manager: the caller gets it, with one token request in all", async () => {
    const instance = axios.create();
    attachTokenManager(instance, await manager('b'), { origins: [X, Y] });
    attachTokenManager(instance, await manager('a'), { origins: [X] }); // its token is the one sent to X
    rejected = new Set(['Bearer a-0', 'Bearer a-1']);
    expect(await statusOf(instance.get(`${X}/orders`))).toBe(401);
    expect(tokenRequests).toEqual({ a: 1 });
    expect(apiCalls).toEqual(['x.example.com Bearer a-0 -', 'x.example.com Bearer a-1 -']);

    // The other manager's token was never invalidated: its API still gets b-0, with no refresh.
    rejected = new Set();
    expect(await statusOf(instance.get(`${Y}/orders`))).toBe(200);
    expect(tokenRequests).toEqual({ a: 1 });
    expect(apiCalls[2]).toBe('y.example.com Bearer b-0 -');
  });
});

describe('attachTokenManager: two managers on one instance, two headers on one request', () => {
  it('a 401 does not say which credential it refused: each manager takes it as its own unless told otherwise', async () => {
    const instance = axios.create();
    attachTokenManager(instance, await manager('a'), {
      origins: [X],
      header: 'X-Api-Key',
      scheme: '',
      shouldRefresh: () => false, // the key is not refreshed on 401: the 401 is the user token's
    });
    attachTokenManager(instance, await manager('b'), { origins: [X] });
    rejected = new Set(['Bearer b-0']);
    expect(await statusOf(instance.get(`${X}/orders`))).toBe(200);
    expect(tokenRequests).toEqual({ b: 1 });
    expect(apiCalls).toEqual(['x.example.com Bearer b-0 a-0', 'x.example.com Bearer b-1 a-0']);
  });
});

describe('attachTokenManager: two managers on one instance, redirects with the http adapter', () => {
  // Custom headers, which follow-redirects keeps at any host: only the guards decide.
  /** Every hop as the API saw it: `<host> <Authorization> <X-Api-Key> <X-Api-Token>` (`-` when absent). */
  const hops: string[] = [];
  const record = (request: Request) =>
    hops.push(
      [
        new URL(request.url).host,
        ...['authorization', 'x-api-key', 'x-api-token'].map((name) => request.headers.get(name) ?? '-'),
      ].join(' '),
    );
  const redirecting = () => {
    hops.length = 0;
    server.use(
      http.get(`${X}/moved`, ({ request }) => {
        record(request);
        return new HttpResponse(null, { status: 302, headers: { Location: `${Y}/landing` } });
      }),
      http.get(`${Y}/landing`, ({ request }) => {
        record(request);
        return HttpResponse.json({ ok: true });
      }),
    );
  };

  it.each([
    ['the first', 'a', [X, Y], [X]],
    ['the second', 'b', [X], [X, Y]],
  ] as const)(
    'a redirect to an origin only %s attachment allows carries only its header there',
    async (_which, allowedAtY, originsA, originsB) => {
      redirecting();
      const calls: string[] = [];
      const instance = axios.create({
        adapter: 'http',
        beforeRedirect: (options: { href?: string }) => {
          calls.push(String(options.href));
        },
      });
      attachTokenManager(instance, await manager('a'), { origins: [...originsA], header: 'X-Api-Key' });
      attachTokenManager(instance, await manager('b'), { origins: [...originsB], header: 'X-Api-Token' });
      expect(await statusOf(instance.get(`${X}/moved`))).toBe(200);
      expect(hops).toEqual([
        'x.example.com - Bearer a-0 Bearer b-0',
        allowedAtY === 'a' ? 'y.example.com - Bearer a-0 -' : 'y.example.com - - Bearer b-0',
      ]);
      expect(calls).toEqual([`${Y}/landing`]);
      expect(tokenRequests).toEqual({});
    },
  );

  it('a redirect to an origin neither allows carries neither header; the caller’s beforeRedirect runs once', async () => {
    redirecting();
    const calls: string[] = [];
    const instance = axios.create({ adapter: 'http' });
    attachTokenManager(instance, await manager('a'), { origins: [X] });
    attachTokenManager(instance, await manager('b'), { origins: [X], header: 'X-Api-Token' });
    const response = await instance.get(`${X}/moved`, {
      beforeRedirect: (options: { href?: string }) => {
        calls.push(String(options.href));
      },
    });
    expect(response.status).toBe(200);
    expect(hops).toEqual(['x.example.com Bearer a-0 - Bearer b-0', 'y.example.com - - -']);
    expect(calls).toEqual([`${Y}/landing`]);
  });

  it('an interceptor registered before both that replaces beforeRedirect keeps both guards; its hook runs once', async () => {
    redirecting();
    const calls: string[] = [];
    const instance = axios.create({ adapter: 'http' });
    instance.interceptors.request.use((config) => {
      config.beforeRedirect = (options) => {
        calls.push(String(options.href));
      };
      return config;
    });
    attachTokenManager(instance, await manager('a'), { origins: [X, Y], header: 'X-Api-Key' });
    attachTokenManager(instance, await manager('b'), { origins: [X], header: 'X-Api-Token' });
    expect(await statusOf(instance.get(`${X}/moved`))).toBe(200);
    expect(hops).toEqual(['x.example.com - Bearer a-0 Bearer b-0', 'y.example.com - Bearer a-0 -']);
    expect(calls).toEqual([`${Y}/landing`]);
  });
});
