import type { TokenManager } from '@tessera/core';
import { createDPoP } from '@tessera/dpop';
import ky, { isHTTPError } from 'ky';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { kyHooks } from './ky-hooks.js';
import { withTokens } from './with-tokens.js';

const API = 'https://api.example.com';
const managers: TokenManager[] = [];
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
  vi.unstubAllGlobals();
});

/** A manager whose `at-0` has expired (clock past its 300 s): the next use asks for `at-1`. */
async function expired() {
  let now = 0;
  const counted = await countingTokens({ clock: () => now });
  now = 301_000;
  managers.push(counted.tokens);
  return counted;
}

interface Seen {
  url: string;
  method: string;
  authorization: string | null;
  body: string;
}

/** An API that accepts only `Bearer at-1`; records every send. */
function api(reply?: (seen: Seen, index: number) => Response | undefined) {
  const seen: Seen[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const entry = {
      url: request.url,
      method: request.method,
      authorization: request.headers.get('authorization'),
      body: await request.text(),
    };
    seen.push(entry);
    return (
      reply?.(entry, seen.length - 1) ??
      new Response(null, { status: entry.authorization === 'Bearer at-1' ? 200 : 401 })
    );
  });
  return { fetch, seen };
}

const status = (promise: Promise<Response>) =>
  promise.then(
    (response) => response.status,
    (error: unknown) => (isHTTPError(error) ? error.response.status : Promise.reject(error)),
  );

describe('withTokens: shapes of review stop 38', () => {
  it('a Request whose signal is already aborted: rejects with its reason, no send, no token request', async () => {
    const { tokens, fetchTokens } = await expired();
    const { fetch } = api();
    const controller = new AbortController();
    controller.abort(new Error('left'));
    const call = withTokens(fetch, tokens, { origins: API });
    await expect(call(new Request(`${API}/a`, { signal: controller.signal }))).rejects.toThrow('left');
    await expect(
      call(new Request(`${API}/a`, { method: 'POST', body: 'x', signal: controller.signal })),
    ).rejects.toThrow('left');
    expect(fetch).not.toHaveBeenCalled();
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('a Request whose body was already read: rejects with a TypeError, no send, no token request', async () => {
    const { tokens, fetchTokens } = await expired();
    const { fetch } = api();
    const request = new Request(`${API}/a`, { method: 'POST', body: 'x' });
    await request.text();
    await expect(withTokens(fetch, tokens, { origins: API })(request)).rejects.toThrow(TypeError);
    expect(fetch).not.toHaveBeenCalled();
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('a duplex: half stream body: sent once with the token; its 401 returned as it is (no replay), the token invalidated', async () => {
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const { fetch, seen } = api();
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('a=1'));
        controller.close();
      },
    });
    const response = await withTokens(fetch, tokens, { origins: API })(`${API}/a`, {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(401);
    expect(seen).toEqual([{ url: `${API}/a`, method: 'POST', authorization: 'Bearer at-0', body: 'a=1' }]);
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(await tokens.getAccessToken()).toBe('at-1');
  });

  it('a duplex: half stream body redirected by a 307 in Node: not sent again; the 307 is returned', async () => {
    const { tokens } = await countingTokens();
    managers.push(tokens);
    const { fetch, seen } = api((entry) =>
      entry.url.endsWith('/a') ? new Response(null, { status: 307, headers: { Location: '/b' } }) : undefined,
    );
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('a=1'));
        controller.close();
      },
    });
    const response = await withTokens(fetch, tokens, { origins: API })(`${API}/a`, {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit);
    expect(seen.map((s) => [s.url, s.body])).toEqual([[`${API}/a`, 'a=1']]);
    expect(response.status).toBe(307);
  });

  it('init.headers replaces a Request’s headers (as fetch does): the Request’s Authorization goes, the token is set; and the reverse', async () => {
    const { tokens } = await countingTokens();
    managers.push(tokens);
    const { fetch, seen } = api(() => new Response(null));
    const call = withTokens(fetch, tokens, { origins: API });
    await call(new Request(`${API}/a`, { headers: { Authorization: 'Basic mine' } }), {
      headers: { 'X-Other': '1' },
    });
    await call(new Request(`${API}/b`), { headers: { AUTHORIZATION: 'Basic mine' } });
    await call(`${API}/c`, { headers: [['aUtHoRiZaTiOn', 'Basic mine']] });
    expect(seen.map((s) => s.authorization)).toEqual(['Bearer at-0', 'Basic mine', 'Basic mine']);
  });

  it('a relative URL in Node without a base: no token, fetch’s own rejection', async () => {
    const { tokens, fetchTokens } = await expired();
    const call = withTokens(globalThis.fetch, tokens, { origins: API });
    await expect(call('/orders')).rejects.toThrow(TypeError);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('redirect: manual answered with an opaque redirect (browser): returned as it is, no refresh', async () => {
    vi.stubGlobal('document', { baseURI: `${API}/` });
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const opaque = Object.defineProperties(new Response(null, { status: 200 }), {
      status: { value: 0 },
      type: { value: 'opaqueredirect' },
      url: { value: `${API}/a` },
    });
    const fetch = vi.fn(async () => opaque);
    const response = await withTokens(fetch, tokens)('/a', { redirect: 'manual' });
    expect(response).toBe(opaque);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('redirect: manual answered with an opaque redirect (browser) under DPoP: returned as it is, one send, no refresh', async () => {
    vi.stubGlobal('document', { baseURI: `${API}/` });
    const dpop = createDPoP();
    const { tokens, fetchTokens } = await countingTokens({
      tokenType: 'DPoP',
      tokenTypes: ['DPoP'],
      senderConstraint: dpop,
    });
    managers.push(tokens);
    const opaque = Object.defineProperties(new Response(null, { status: 200 }), {
      status: { value: 0 },
      type: { value: 'opaqueredirect' },
      url: { value: `${API}/a` },
    });
    const fetch = vi.fn(async () => opaque);
    const response = await withTokens(fetch, tokens, { senderConstraint: dpop })('/a', {
      redirect: 'manual',
    });
    expect(response).toBe(opaque);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('a Bearer manager answered 401 with a DPoP nonce challenge: returned as it is, no proof, no refresh, no replay (no upgrade)', async () => {
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const dpopSent: Array<string | null> = [];
    const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      dpopSent.push(new Request(input, init).headers.get('dpop'));
      return new Response(null, {
        status: 401,
        headers: { 'WWW-Authenticate': 'DPoP error="use_dpop_nonce"', 'DPoP-Nonce': 'n' },
      });
    });
    const call = withTokens(fetch, tokens, { origins: API });
    expect((await call(`${API}/a`)).status).toBe(401);
    const client = ky.create({ prefixUrl: API, fetch, hooks: kyHooks(ky, tokens, { origins: API }) });
    expect(await status(client.get('a'))).toBe(401);
    expect(dpopSent).toEqual([null, null]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });
});

describe('kyHooks: shapes of review stop 38', () => {
  it('ky retry of a 503 after our replay: 401, replay 503, ky retry 200 — 3 sends, 1 token request', async () => {
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const { fetch, seen } = api((_entry, index) =>
      index === 1 ? new Response(null, { status: 503 }) : undefined,
    );
    const client = ky.create({
      prefixUrl: API,
      fetch,
      retry: { limit: 2, delay: () => 0 },
      hooks: kyHooks(ky, tokens, { origins: API }),
    });
    expect(await status(client.get('a'))).toBe(200);
    expect(seen.map((s) => s.authorization)).toEqual(['Bearer at-0', 'Bearer at-1', 'Bearer at-1']);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('ky’s limit spent on 503s: the 401 of the last attempt is returned, the token invalidated, no forced retry', async () => {
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const { fetch, seen } = api((_entry, index) =>
      index < 2 ? new Response(null, { status: 503 }) : undefined,
    );
    const client = ky.create({
      prefixUrl: API,
      fetch,
      retry: { limit: 2, delay: () => 0 },
      hooks: kyHooks(ky, tokens, { origins: API }),
    });
    expect(await status(client.get('a'))).toBe(401);
    expect(seen).toHaveLength(3);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('prefixUrl and searchParams: the token goes, the replay keeps the query', async () => {
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const { fetch, seen } = api();
    const client = ky.create({ prefixUrl: `${API}/v1`, fetch, hooks: kyHooks(ky, tokens, { origins: API }) });
    expect(await status(client.get('orders', { searchParams: { a: '1', b: 'x y' } }))).toBe(200);
    expect(seen.map((s) => [s.url, s.authorization])).toEqual([
      [`${API}/v1/orders?a=1&b=x+y`, 'Bearer at-0'],
      [`${API}/v1/orders?a=1&b=x+y`, 'Bearer at-1'],
    ]);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('300 concurrent calls on an expired token: 1 token request, 300 sends with the new token', async () => {
    const { tokens, fetchTokens } = await expired();
    const { fetch, seen } = api();
    const client = ky.create({ prefixUrl: API, fetch, hooks: kyHooks(ky, tokens, { origins: API }) });
    const statuses = await Promise.all(Array.from({ length: 300 }, () => status(client.get('a'))));
    expect(statuses).toEqual(Array(300).fill(200));
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(seen.map((s) => s.authorization)).toEqual(Array(300).fill('Bearer at-1'));
  });

  it('a ky call whose signal is already aborted: rejects, no send, no token request', async () => {
    const { tokens, fetchTokens } = await expired();
    const { fetch } = api();
    const client = ky.create({ prefixUrl: API, fetch, hooks: kyHooks(ky, tokens, { origins: API }) });
    const controller = new AbortController();
    controller.abort(new Error('left'));
    await expect(client.get('a', { signal: controller.signal })).rejects.toThrow('left');
    expect(fetch).not.toHaveBeenCalled();
    expect(fetchTokens).not.toHaveBeenCalled();
  });
});
