import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import type { TokenManager } from '@tessera/core';
import { createDPoP } from '@tessera/dpop';
import axios, { type AxiosError, type AxiosInstance } from 'axios';
import axios17 from 'axios-1-7';
import axios112 from 'axios-1-12';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { loopbackAgent } from '../../e2e-support/test-support/loopback-server.js';
import { type LoopbackOrigin, redirectingApi } from '../../e2e-support/test-support/redirecting-api.js';
import { attachTokenManager } from '../src/attach-token-manager.js';

// Issue 10 items 2, 3, 4 and 11 against real HTTP servers on 127.0.0.1: which host saw which header.
let api: LoopbackOrigin;
let other: LoopbackOrigin;
const managers: TokenManager[] = [];

beforeAll(async () => {
  // One server answers `api.test`, `sub.api.test` (via loopbackAgent) and 127.0.0.1; `other` is a second origin.
  ({ api, other } = await redirectingApi('at-1'));
});
afterAll(async () => {
  await api.close();
  await other.close();
});
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
  api.seen.length = 0;
  other.seen.length = 0;
});

async function manager() {
  const counted = await countingTokens();
  managers.push(counted.tokens);
  return counted;
}

const versions = [
  ['newest axios', axios.create.bind(axios)],
  ['axios 1.12.0', axios112.create.bind(axios112) as unknown as typeof axios.create],
] as const;

describe.each(versions)('redirects with the http adapter and %s', (_name, create) => {
  const instance = (tokens: TokenManager, extra: object = {}): AxiosInstance => {
    const agent = loopbackAgent();
    const client = create({
      baseURL: `http://api.test:${api.port}`,
      adapter: 'http',
      httpAgent: agent,
      ...extra,
    });
    attachTokenManager(client, tokens);
    return client;
  };

  it('never sends the token to a subdomain or another origin a redirect points to, keeps it on the API', async () => {
    const { tokens, fetchTokens } = await manager();
    const client = instance(tokens);
    const targets = [
      `http://sub.api.test:${api.port}/x`,
      `${other.origin}/x`,
      `http://api.test:${api.port}/deny`,
    ];
    for (const to of targets) {
      await client.get('/redirect', { params: { to } }).catch((error: AxiosError) => error);
    }
    const byHost = api.seen.concat(other.seen).map((seen) => [seen.host, seen.authorization]);
    expect(byHost.filter(([host]) => !String(host).startsWith('api.test'))).toEqual([
      [`sub.api.test:${api.port}`, null],
      [`127.0.0.1:${other.port}`, null],
    ]);
    // Only the same-origin hop kept it (and its 401 refreshed once and replayed through the redirect).
    expect(api.seen.filter((seen) => seen.path === '/deny').map((seen) => seen.authorization)).toEqual([
      'Bearer at-0',
      'Bearer at-1',
    ]);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('with a transport of the caller’s (follow-redirects itself): the token never follows to a subdomain, its 401 refreshes nothing', async () => {
    // axios hands `beforeRedirect` to no one when `transport` is set; follow-redirects keeps Authorization on a subdomain.
    const followRedirects = createRequire(createRequire(import.meta.url).resolve('axios'))(
      'follow-redirects',
    );
    const { tokens, fetchTokens } = await manager();
    const client = instance(tokens, { transport: followRedirects.http });
    const error = (await client
      .get('/redirect', { params: { to: `http://sub.api.test:${api.port}/x` } })
      .catch((caught: unknown) => caught)) as AxiosError;
    expect(error.response?.status).toBe(401);
    expect(api.seen.map((seen) => [seen.host, seen.authorization])).toEqual([
      [`api.test:${api.port}`, 'Bearer at-0'],
      [`sub.api.test:${api.port}`, null],
    ]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('never refreshes for a 401 from an origin the redirect took the request to', async () => {
    const { tokens, fetchTokens } = await manager();
    const invalidate = vi.spyOn(tokens, 'invalidate');
    const client = instance(tokens);
    const error = (await client
      .get('/redirect', { params: { to: `http://sub.api.test:${api.port}/deny`, status: 307 } })
      .catch((caught: unknown) => caught)) as AxiosError;
    expect(error.response?.status).toBe(401);
    expect(invalidate).not.toHaveBeenCalled();
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(api.seen.map((seen) => seen.authorization)).toEqual(['Bearer at-0', null]);
  });

  it.each([302, 307])(
    'with a senderConstraint (DPoP): neither the proof nor the token follows a %i to another origin',
    async (status) => {
      const counted = await countingTokens({ tokenType: 'DPoP', tokenTypes: ['DPoP'] });
      managers.push(counted.tokens);
      const client = create({
        baseURL: `http://api.test:${api.port}`,
        adapter: 'http',
        httpAgent: loopbackAgent(),
      });
      attachTokenManager(client, counted.tokens, { senderConstraint: createDPoP() });
      const error = await client
        .post('/redirect', 'payload', { params: { status, to: `${other.origin}/x` } })
        .catch((e: AxiosError) => e);
      expect((error as AxiosError).response?.status).toBe(401);
      expect(api.seen.map((seen) => [seen.authorization, typeof seen.dpop])).toEqual([
        ['DPoP at-0', 'string'],
      ]);
      expect(other.seen.map((seen) => [seen.authorization, seen.dpop])).toEqual([[null, null]]);
      expect(counted.fetchTokens).not.toHaveBeenCalled();
    },
  );

  it('runs the caller’s own beforeRedirect, and still strips what it puts back', async () => {
    const { tokens } = await manager();
    const hops: string[] = [];
    const client = instance(tokens, {
      beforeRedirect: (options: { href: string; headers: Record<string, string> }) => {
        hops.push(options.href);
        options.headers.Authorization = 'Bearer at-0'; // a careless hook
        options.headers.DPoP = 'proof';
      },
    });
    await client.get('/redirect', { params: { to: `${other.origin}/x` } }).catch(() => undefined);
    expect(hops).toEqual([`${other.origin}/x`]);
    expect(other.seen.map((seen) => [seen.authorization, seen.dpop])).toEqual([[null, null]]);
  });
});

describe('redirects with the fetch adapter', () => {
  // Every hop in Node, 1.12.0 and the newest: fetch-redirects.integration.test.ts.
  it('newest axios: a redirect within the API still refreshes once and replays for its 401', async () => {
    const { tokens, fetchTokens } = await manager();
    const client = axios.create({ baseURL: api.origin, adapter: 'fetch' });
    attachTokenManager(client, tokens);
    await client
      .get('/redirect', { params: { to: `${api.origin}/deny` } })
      .catch((caught: unknown) => caught);
    expect(api.seen.map((seen) => [seen.path.split('?')[0], seen.authorization])).toEqual([
      ['/redirect', 'Bearer at-0'],
      ['/deny', 'Bearer at-0'],
      ['/redirect', 'Bearer at-1'],
      ['/deny', 'Bearer at-1'],
    ]);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });
});

describe('axios 1.7.9 (unsupported: below the 1.12.0 floor) with the fetch adapter fails closed', () => {
  // Its fetch adapter ignores env.fetch: where a response came from is unknown, so no 401 of it is
  // put on the token (decision 0209).
  it('a 401 from the API itself: no invalidate, no token request, the 401 reaches the caller as it is', async () => {
    const { tokens, fetchTokens } = await manager();
    const invalidate = vi.spyOn(tokens, 'invalidate');
    const client = axios17.create({ baseURL: api.origin, adapter: 'fetch' });
    attachTokenManager(client as unknown as AxiosInstance, tokens);
    const error = (await client.get('/deny').catch((caught: unknown) => caught)) as AxiosError;
    expect(axios17.isAxiosError(error)).toBe(true);
    expect(error.response?.status).toBe(401);
    expect(error.config?.url).toBe('/deny');
    expect(api.seen.map((seen) => [seen.path, seen.authorization])).toEqual([['/deny', 'Bearer at-0']]);
    expect(invalidate).not.toHaveBeenCalled();
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('a 401 after a redirect to another origin: no token there, no token request', async () => {
    const { tokens, fetchTokens } = await manager();
    const client = axios17.create({ baseURL: api.origin, adapter: 'fetch' });
    attachTokenManager(client as unknown as AxiosInstance, tokens);
    const error = (await client
      .get('/redirect', { params: { to: `${other.origin}/x` } })
      .catch((caught: unknown) => caught)) as AxiosError;
    expect(error.response?.status).toBe(401);
    expect(other.seen.map((seen) => seen.authorization)).toEqual([null]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('the http adapter of axios 1.7.9 still refreshes once and replays for a 401 from the API', async () => {
    const { tokens, fetchTokens } = await manager();
    const client = axios17.create({ baseURL: api.origin, adapter: 'http' });
    attachTokenManager(client as unknown as AxiosInstance, tokens);
    const response = await client.get('/orders');
    expect(response.status).toBe(200);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });
});

describe('bodies that cannot be sent twice', () => {
  it.each(versions)(
    'rejects a stream upload answered 401 with that 401, never replaying it empty (%s)',
    async (_name, create) => {
      const { tokens, fetchTokens } = await manager();
      const invalidate = vi.spyOn(tokens, 'invalidate');
      const client = create({ baseURL: api.origin, adapter: 'http' });
      attachTokenManager(client, tokens);
      const error = (await client
        .post('/upload', Readable.from(['chunk-1,', 'chunk-2']), {
          headers: { 'Content-Type': 'text/plain' },
        })
        .catch((caught: unknown) => caught)) as AxiosError;
      expect(error.response?.status).toBe(401);
      expect(api.seen.map((seen) => [seen.path, seen.authorization, seen.body])).toEqual([
        ['/upload', 'Bearer at-0', 'chunk-1,chunk-2'],
      ]);
      // The token was rejected: it is invalidated (the next request gets a new one), nothing is replayed.
      expect(invalidate.mock.calls).toEqual([['at-0']]);
      expect(fetchTokens).not.toHaveBeenCalled();
    },
  );

  it('replays a string body with the same bytes', async () => {
    const { tokens } = await manager();
    const client = axios.create({ baseURL: api.origin, adapter: 'http' });
    attachTokenManager(client, tokens);
    const response = await client.post('/upload', 'same bytes', {
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(response.data).toEqual({ stored: 'same bytes' });
    expect(api.seen.map((seen) => seen.body)).toEqual(['same bytes', 'same bytes']);
  });
});

describe('errors handed to the caller', () => {
  it.each(versions)(
    'never show the token in JSON.stringify or util.inspect, for the first 401 and the replay’s (%s)',
    async (_name, create) => {
      const { tokens } = await manager();
      const client = create({ baseURL: api.origin, adapter: 'http' });
      attachTokenManager(client, tokens);
      const replayed = (await client.get('/deny').catch((caught: unknown) => caught)) as AxiosError;
      const first = (await client
        .post('/deny', Readable.from(['x']))
        .catch((caught: unknown) => caught)) as AxiosError;
      // The replay's 401 for at-1 (a token its own refresh brought) starts the rejection cooldown, so the
      // upload still goes with at-1 and is not replayed (decision 0011).
      expect(api.seen.map((seen) => seen.authorization)).toEqual([
        'Bearer at-0',
        'Bearer at-1',
        'Bearer at-1',
      ]);
      for (const error of [replayed, first]) {
        expect(error.response?.status).toBe(401);
        for (const text of [JSON.stringify(error), inspect(error), inspect(error, { depth: 6 })]) {
          expect(text).not.toMatch(/at-[012]\b/);
        }
        expect(String(error.config?.headers.Authorization)).toMatch(/REDACTED/);
      }
    },
  );
});
