import type { TokenManager } from '@tessera/core';
import ky from 'ky';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { loopbackServer } from '../../e2e-support/test-support/loopback-server.js';
import { type LoopbackOrigin, redirectingApi } from '../../e2e-support/test-support/redirecting-api.js';
import { kyHooks } from '../src/ky-hooks.js';
import { withTokens } from '../src/with-tokens.js';

// An injected `fetch` that follows redirects although `withTokens` asks for `redirect: 'manual'`
// (a wrapper that follows them itself, an old polyfill, a ky `fetch` option doing so): the token it
// carried may already have gone to the redirect target, which Tessera cannot undo (README,
// decision 0902). Where the answer says so (`redirected: true`, as undici and node-fetch set it), its
// 401 from an origin the policy does not allow invalidates, refreshes and replays nothing. A wrapper
// that answers with its last hop's own Response (`redirected: false`, `url` on the other origin)
// cannot be told from a `fetch` that rewrites the URL (a dev proxy), whose 401 is the token's and
// must refresh: that limit is pinned here, with the reason. Real servers on 127.0.0.1, undici.
let api: LoopbackOrigin;
let other: LoopbackOrigin;
const managers: TokenManager[] = [];
const servers: LoopbackOrigin[] = [];

beforeAll(async () => {
  ({ api, other } = await redirectingApi('at-1'));
});
afterAll(async () => {
  await api.close();
  await other.close();
});
afterEach(async () => {
  for (const tokens of managers.splice(0)) tokens.dispose();
  await Promise.all(servers.splice(0).map((server) => server.close()));
  api.seen.length = 0;
  other.seen.length = 0;
});

async function setup() {
  const counted = await countingTokens();
  managers.push(counted.tokens);
  return { ...counted, invalidate: vi.spyOn(counted.tokens, 'invalidate') };
}

/**
 * A fetch that follows redirects itself whatever `redirect` says, every header kept at every hop, as
 * a hand-written retry/redirect wrapper does: it answers with the last hop's own Response, whose
 * `url` is the hop's and whose `redirected` is `false`.
 */
const followsItself: typeof fetch = async (input, init) => {
  let request = new Request(input, init);
  for (let hop = 0; ; hop++) {
    const response = await fetch(request, { redirect: 'manual' });
    const location = response.headers.get('location');
    if (response.status < 300 || response.status > 399 || !location || hop === 5) return response;
    await response.body?.cancel();
    request = new Request(new URL(location, request.url), { headers: request.headers });
  }
};

/** A fetch that turns `redirect: 'manual'` into `'follow'` (undici follows: `redirected: true`). */
const ignoresManual: typeof fetch = (input, init) => fetch(input, { ...init, redirect: 'follow' });

const toOther = () => `/redirect?status=302&to=${encodeURIComponent(`${other.origin}/x`)}`;

describe('withTokens with a fetch that follows redirects against redirect: "manual"', () => {
  it('a wrapper that follows itself (redirected: false) — the documented limit: the token went, and the 401 costs one refresh per cooldown', async () => {
    const { tokens, fetchTokens } = await setup();
    const fetchApi = withTokens(followsItself, tokens, { baseUrl: api.origin });
    const response = await fetchApi(toOther());
    expect(response.status).toBe(401);
    expect(response.redirected).toBe(false);
    expect(response.url).toBe(`${other.origin}/x`);
    expect(other.seen.map((seen) => seen.authorization)).toEqual(['Bearer at-0', 'Bearer at-1']);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    // Within the manager's rejectionCooldown: the same token, no refresh, no replay.
    await fetchApi(toOther());
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(other.seen).toHaveLength(3);
  });

  it('why that limit stays: a fetch that rewrites the URL to another origin (a dev proxy) answers alike, and its 401 must refresh', async () => {
    const { tokens, fetchTokens } = await setup();
    const viaProxy: typeof fetch = (input, init) =>
      fetch(String(input).replace(other.origin, api.origin), init);
    const fetchApi = withTokens(viaProxy, tokens, { baseUrl: other.origin });
    const response = await fetchApi('/data');
    expect(response.status).toBe(200);
    expect(response.redirected).toBe(false);
    expect(response.url).toBe(`${api.origin}/data`); // an origin the policy does not allow
    expect(api.seen.map((seen) => seen.authorization)).toEqual(['Bearer at-0', 'Bearer at-1']);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('a wrapper that follows itself within the API origin gets its one refresh and replay', async () => {
    const { tokens, fetchTokens } = await setup();
    const fetchApi = withTokens(followsItself, tokens, { baseUrl: api.origin });
    const response = await fetchApi(`/redirect?status=302&to=${encodeURIComponent(`${api.origin}/data`)}`);
    expect(response.status).toBe(200);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(api.seen.map((seen) => [seen.path.split('?')[0], seen.authorization])).toEqual([
      ['/redirect', 'Bearer at-0'],
      ['/data', 'Bearer at-0'],
      ['/redirect', 'Bearer at-1'],
      ['/data', 'Bearer at-1'],
    ]);
  });

  it('undici following against "manual": Authorization is stripped there by undici, and its 401 refreshes nothing', async () => {
    const { tokens, fetchTokens, invalidate } = await setup();
    const fetchApi = withTokens(ignoresManual, tokens, { baseUrl: api.origin });
    const response = await fetchApi(toOther());
    expect(response.status).toBe(401);
    expect(response.redirected).toBe(true);
    expect(other.seen.map((seen) => seen.authorization)).toEqual([null]);
    expect(invalidate).not.toHaveBeenCalled();
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('undici following against "manual" with a custom header: the token went (the limit), once, and nothing refreshes', async () => {
    const leaked: unknown[] = [];
    const thief = await loopbackServer((_seen, res, req) => {
      leaked.push(req.headers['x-api-token']);
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer error="invalid_token"' }).end();
    });
    servers.push(thief);
    const { tokens, fetchTokens, invalidate } = await setup();
    const fetchApi = withTokens(ignoresManual, tokens, { baseUrl: api.origin, header: 'X-Api-Token' });
    const response = await fetchApi(`/redirect?status=302&to=${encodeURIComponent(`${thief.origin}/steal`)}`);
    expect(response.status).toBe(401);
    expect(leaked).toEqual(['Bearer at-0']);
    expect(invalidate).not.toHaveBeenCalled();
    expect(fetchTokens).not.toHaveBeenCalled();
  });
});

describe('kyHooks with a ky `fetch` option that follows redirects against "manual"', () => {
  it('undici following (redirected: true) to another origin: its 401 invalidates nothing, refreshes nothing, retries nothing', async () => {
    const { tokens, fetchTokens, invalidate } = await setup();
    const client = ky.create({
      prefixUrl: api.origin,
      fetch: ignoresManual,
      throwHttpErrors: false,
      hooks: kyHooks(ky, tokens, { baseUrl: api.origin }),
    });
    const response = await client.get(toOther().slice(1));
    expect(response.status).toBe(401);
    expect(other.seen.map((seen) => seen.authorization)).toEqual([null]);
    expect(invalidate).not.toHaveBeenCalled();
    expect(fetchTokens).not.toHaveBeenCalled();
  });
});
