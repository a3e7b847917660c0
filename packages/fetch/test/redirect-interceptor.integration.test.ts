import type { TokenManager } from '@tessera/core';
import { Agent, interceptors, request, fetch as undiciFetch } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { loopbackServer } from '../../e2e-support/test-support/loopback-server.js';
import { type LoopbackOrigin, redirectingApi } from '../../e2e-support/test-support/redirecting-api.js';
import { withTokens } from '../src/with-tokens.js';

// A caller's transport that follows redirects of its own: undici's `interceptors.redirect` composed
// into the `dispatcher`. fetch dispatches every request with `maxRedirections: 0` (undici 7.30 read,
// lib/web/fetch), so the interceptor never follows for fetch: the `redirect: 'manual'` that
// `withTokens` asks for stands, and the wrapper follows and judges every hop itself (README,
// decision 0902). Real servers on 127.0.0.1; the npm undici fetch and Node's own.
let api: LoopbackOrigin;
let other: LoopbackOrigin;
let thief: LoopbackOrigin;
const leaked: unknown[] = [];
const managers: TokenManager[] = [];
const agent = new Agent();
const dispatcher = agent.compose(interceptors.redirect({ maxRedirections: 5 }));

beforeAll(async () => {
  ({ api, other } = await redirectingApi('at-1'));
  thief = await loopbackServer((_seen, res, req) => {
    leaked.push(req.headers['x-api-token'] ?? null);
    res.writeHead(401, { 'WWW-Authenticate': 'Bearer error="invalid_token"' }).end();
  });
});
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
  for (const server of [api, other, thief]) server.seen.length = 0;
  leaked.length = 0;
});
afterAll(async () => {
  await Promise.all([api.close(), other.close(), thief.close(), agent.close()]);
});

const fetches = {
  'npm undici fetch': undiciFetch as unknown as typeof fetch,
  'Node’s fetch': fetch,
};
const to = (target: LoopbackOrigin, path = '/x') =>
  `/redirect?status=307&to=${encodeURIComponent(`${target.origin}${path}`)}`;

it('the interceptor is live: undici’s request() follows with it, to the other origin and with the custom header', async () => {
  const response = await request(`${api.origin}${to(thief)}`, {
    dispatcher,
    headers: { 'X-Api-Token': 't' },
  });
  await response.body.dump();
  expect(response.statusCode).toBe(401);
  expect(leaked).toEqual(['t']); // what the wrapper is for: only fetch's `redirect: 'manual'` stops it
});

describe.each(Object.entries(fetches))(
  'withTokens over %s with a redirect interceptor in the dispatcher',
  (_name, base) => {
    async function setup(header?: string) {
      const counted = await countingTokens();
      managers.push(counted.tokens);
      const invalidate = vi.spyOn(counted.tokens, 'invalidate');
      const api_ = withTokens(base, counted.tokens, { baseUrl: api.origin, ...(header ? { header } : {}) });
      const call = (path: string, init: RequestInit = {}) =>
        api_(path, { ...init, dispatcher } as RequestInit);
      return { ...counted, invalidate, call };
    }

    it('a custom token header never reaches another origin: the wrapper follows the hop, without it', async () => {
      const { call, fetchTokens, invalidate } = await setup('X-Api-Token');
      const response = await call(to(thief));
      expect(response.status).toBe(401);
      expect(response.url).toBe(`${thief.origin}/x`);
      expect(leaked).toEqual([null]);
      expect(fetchTokens).not.toHaveBeenCalled();
      expect(invalidate).not.toHaveBeenCalled();
    });

    it('Authorization: withheld at the other origin, whose 401 refreshes nothing', async () => {
      const { call, fetchTokens, invalidate } = await setup();
      expect((await call(to(other))).status).toBe(401);
      expect(api.seen.map((seen) => seen.authorization)).toEqual(['Bearer at-0']);
      expect(other.seen.map((seen) => seen.authorization)).toEqual([null]);
      expect(fetchTokens).not.toHaveBeenCalled();
      expect(invalidate).not.toHaveBeenCalled();
    });

    it('a hop within the API origin keeps the token and the body, and its 401 gets the one refresh and replay', async () => {
      const { call, fetchTokens } = await setup();
      const response = await call(to(api, '/data'), { method: 'POST', body: 'order' });
      expect(await response.json()).toEqual({ stored: 'order' });
      expect(fetchTokens).toHaveBeenCalledTimes(1);
      expect(api.seen.map((seen) => [seen.path.split('?')[0], seen.authorization, seen.body])).toEqual([
        ['/redirect', 'Bearer at-0', 'order'],
        ['/data', 'Bearer at-0', 'order'],
        ['/redirect', 'Bearer at-1', 'order'],
        ['/data', 'Bearer at-1', 'order'],
      ]);
    });
  },
);
