import { PassThrough } from 'node:stream';
import type { TokenSet } from '@tessera/core';
import { describe, expect, it, vi } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { deferred } from '../../e2e-support/test-support/deferred.js';
import { withTokens } from './with-tokens.js';

const API = 'https://api.example.com';

/** A fetch that answers at once, records the token each send carried; 401 unless it is `valid`. */
function stubFetch(valid = () => 'at-0') {
  const sent: Array<string | null> = [];
  const fetch = vi.fn<typeof globalThis.fetch>(async (_input, init) => {
    const authorization = new Headers(init?.headers).get('authorization');
    sent.push(authorization);
    return authorization === `Bearer ${valid()}`
      ? new Response('{}', { status: 200 })
      : new Response(null, { status: 401 });
  });
  return { fetch, sent };
}

describe('withTokens: the synchronous path for a fresh token (decision 0019)', () => {
  it('sends with the fresh token without awaiting getTokens() first', async () => {
    const { tokens, fetchTokens } = await countingTokens();
    const getTokens = vi.spyOn(tokens, 'getTokens');
    const { fetch, sent } = stubFetch();
    const api = withTokens(fetch, tokens, { baseUrl: `${API}/` });
    const pending = api('orders');
    expect(fetch).toHaveBeenCalledTimes(1); // sent within the call: no await hop before the send
    expect((await pending).status).toBe(200);
    expect(sent).toEqual(['Bearer at-0']);
    expect(getTokens).not.toHaveBeenCalled();
    expect(fetchTokens).not.toHaveBeenCalled();
    tokens.dispose();
  });

  it('never sends an expired or invalidated token: it waits for the one shared refresh', async () => {
    let now = Date.now();
    const { tokens, fetchTokens } = await countingTokens({ clock: () => now });
    const { fetch, sent } = stubFetch(() => tokens.peekTokens()?.accessToken ?? '');
    const api = withTokens(fetch, tokens, { baseUrl: `${API}/` });
    now += 301_000; // at-0 expired
    const storm = await Promise.all(Array.from({ length: 200 }, () => api('orders')));
    expect(storm.every((response) => response.status === 200)).toBe(true);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(new Set(sent)).toEqual(new Set(['Bearer at-1']));
    tokens.invalidate('at-1');
    sent.length = 0;
    expect((await api('orders')).status).toBe(200);
    expect(sent).toEqual(['Bearer at-2']);
    expect(fetchTokens).toHaveBeenCalledTimes(2);
    tokens.dispose();
  });

  it('an already aborted signal rejects with its reason, as before, and nothing is sent', async () => {
    const { tokens } = await countingTokens();
    const { fetch } = stubFetch();
    const api = withTokens(fetch, tokens, { baseUrl: `${API}/` });
    const reason = new Error('user left');
    await expect(api('orders', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(fetch).not.toHaveBeenCalled();
    tokens.dispose();
  });

  it('never throws synchronously: a throwing fetch or bad headers reject the returned promise', async () => {
    const { tokens } = await countingTokens();
    const boom = new TypeError('fetch failed synchronously');
    const throwing = withTokens(
      () => {
        throw boom;
      },
      tokens,
      { baseUrl: `${API}/` },
    );
    let returned: Promise<Response> | undefined;
    expect(() => {
      returned = throwing('orders');
    }).not.toThrow();
    await expect(returned).rejects.toBe(boom);
    const { fetch } = stubFetch();
    const api = withTokens(fetch, tokens, { baseUrl: `${API}/` });
    let bad: Promise<Response> | undefined;
    expect(() => {
      bad = api('orders', { headers: [['bad header', 'x']] });
    }).not.toThrow();
    await expect(bad).rejects.toThrow(TypeError);
    expect(fetch).not.toHaveBeenCalled();
    tokens.dispose();
  });

  it('never throws synchronously for a Request it cannot send (a GET with a body, a used body), and takes a null init as none', async () => {
    const { tokens } = await countingTokens();
    const api = withTokens(async () => new Response('ok'), tokens, { baseUrl: API });
    let getWithBody: Promise<Response> | undefined;
    expect(() => {
      getWithBody = api(new Request(`${API}/x`), { body: 'hello' });
    }).not.toThrow();
    await expect(getWithBody).rejects.toThrow(TypeError);
    const used = new Request(`${API}/x`, { method: 'POST', body: 'x' });
    await used.text();
    let usedBody: Promise<Response> | undefined;
    expect(() => {
      usedBody = api(used);
    }).not.toThrow();
    await expect(usedBody).rejects.toThrow(TypeError);
    await expect(api('x', null as never)).resolves.toBeInstanceOf(Response); // fetch takes a null init
    tokens.dispose();
  });

  it('hands a 401 on the synchronous path to the replay: one refresh, the same method and body once more', async () => {
    const { tokens, fetchTokens } = await countingTokens();
    const bodies: string[] = [];
    const methods: string[] = [];
    const { fetch, sent } = stubFetch(() => 'at-1');
    const recording = vi.fn<typeof globalThis.fetch>(async (input, init) => {
      methods.push(init?.method ?? 'GET');
      bodies.push(String(init?.body));
      return fetch(input, init);
    });
    const api = withTokens(recording, tokens, { baseUrl: `${API}/` });
    const pending = api('orders', { method: 'POST', body: '{"n":1}' });
    expect(recording).toHaveBeenCalledTimes(1); // the first send left within the call
    expect((await pending).status).toBe(200);
    expect(sent).toEqual(['Bearer at-0', 'Bearer at-1']);
    expect(methods).toEqual(['POST', 'POST']);
    expect(bodies).toEqual(['{"n":1}', '{"n":1}']);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    tokens.dispose();
  });

  it('a call without init runs no instanceof check and hands fetch only the token header and redirect mode', async () => {
    // In Node every `instanceof` costs ~25 ns (streams define `Symbol.hasInstance`): the fresh path
    // for `api(url)` runs none. A spy on `Request[Symbol.hasInstance]` counts them.
    const hasInstance = vi.fn(() => false);
    Object.defineProperty(Request, Symbol.hasInstance, { value: hasInstance, configurable: true });
    try {
      const { tokens } = await countingTokens();
      const inits: Array<RequestInit | undefined> = [];
      const fetch = vi.fn<typeof globalThis.fetch>(async (_input, init) => {
        inits.push(init);
        return new Response('{}');
      });
      const api = withTokens(fetch, tokens, { baseUrl: `${API}/` });
      expect((await api('orders')).status).toBe(200);
      expect(hasInstance).not.toHaveBeenCalled();
      expect(fetch.mock.calls[0]?.[0]).toBe(`${API}/orders`);
      expect(Object.keys(inits[0] ?? {})).toEqual(['headers', 'redirect']);
      expect(inits[0]?.redirect).toBe('manual'); // Node: Tessera follows each hop itself
      expect([...new Headers(inits[0]?.headers)]).toEqual([['authorization', 'Bearer at-0']]);
      tokens.dispose();
    } finally {
      Reflect.deleteProperty(Request, Symbol.hasInstance);
    }
  });

  it('asks shouldRefresh once per response', async () => {
    const { tokens } = await countingTokens();
    const { fetch } = stubFetch(() => 'at-1'); // at-0 is rejected, at-1 accepted
    const shouldRefresh = vi.fn((response: Response) => response.status === 401);
    const api = withTokens(fetch, tokens, { baseUrl: `${API}/`, shouldRefresh });
    expect((await api('orders')).status).toBe(200);
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(shouldRefresh).toHaveBeenCalledTimes(2); // the 401, then the replay's 200
    tokens.dispose();
  });
});

describe('withTokens: the header value built once per token set', () => {
  it('follows every new set; a set cannot be changed in place by a careless caller', async () => {
    const { tokens } = await countingTokens({ tokenTypes: ['Bearer', 'DPoP'] });
    const { fetch, sent } = stubFetch(() => 'none');
    const api = withTokens(fetch, tokens, { baseUrl: `${API}/`, shouldRefresh: () => false });
    await api('orders');
    await tokens.setTokens({ access_token: 'dpop-bound', token_type: 'DPoP', expires_in: 300 });
    await api('orders');
    const set = tokens.peekTokens() as TokenSet;
    expect(() => {
      set.accessToken = 'changed-in-place'; // a careless caller: the manager's sets are frozen (decision 0007)
    }).toThrow(TypeError);
    await api('orders');
    expect(sent).toEqual(['Bearer at-0', 'DPoP dpop-bound', 'DPoP dpop-bound']);
    tokens.dispose();
  });
});

describe('withTokens: the 401 that is replayed', () => {
  it('reads a small body of known length to its end (connection reuse), cancels one of unknown length', async () => {
    const { tokens } = await countingTokens();
    const rejected: Response[] = [];
    let cancelled = 0;
    let n = 0;
    let calls = 0;
    const fetch = vi.fn<typeof globalThis.fetch>(async () => {
      calls += 1;
      if (calls % 2 === 0) return new Response('{}'); // every replay is accepted
      n += 1;
      const body =
        n === 1
          ? 'denied'
          : new ReadableStream({
              pull: (controller) => controller.enqueue(new Uint8Array(1024)), // endless
              cancel: () => {
                cancelled += 1;
              },
            });
      const response = new Response(body, {
        status: 401,
        headers: n === 1 ? { 'content-length': '6' } : {},
      });
      rejected.push(response);
      return response;
    });
    const api = withTokens(fetch, tokens, { baseUrl: `${API}/` });
    expect((await api('orders')).status).toBe(200);
    expect(rejected[0]?.bodyUsed).toBe(true); // read, not cancelled
    await tokens.setTokens({ access_token: 'signed-in-again', expires_in: 300, refresh_token: 'rt' }); // ends the cooldown
    expect((await api('orders')).status).toBe(200);
    expect(cancelled).toBe(1); // the endless body was cancelled, never read to its end
    tokens.dispose();
  });

  it('releases a node-fetch 401’s body (a Node stream, no cancel) by destroying it: the replay goes, a failed refresh rejects with its own error', async () => {
    const { tokens, fetchTokens } = await countingTokens();
    const bodies: PassThrough[] = [];
    /** Shaped like node-fetch's Response: WHATWG-like headers, a Node stream as body (no `cancel`). */
    const nodeFetchLike = (status: number) => {
      const body = new PassThrough();
      body.end('{"error":"invalid_token"}');
      bodies.push(body);
      return {
        status,
        ok: status < 300,
        redirected: false,
        url: `${API}/orders`,
        headers: new Headers(),
        body,
      };
    };
    const fetch = vi.fn<typeof globalThis.fetch>(async (_input, init) => {
      const authorization = new Headers(init?.headers).get('authorization');
      return nodeFetchLike(authorization === 'Bearer at-1' ? 200 : 401) as unknown as Response;
    });
    const api = withTokens(fetch, tokens, { baseUrl: `${API}/` });
    expect((await api('orders')).status).toBe(200); // at-0 refused, replayed with at-1
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(bodies.map((body) => body.destroyed)).toEqual([true, false]); // the 401's, never the answer's

    await tokens.setTokens({ access_token: 'again', expires_in: 300, refresh_token: 'rt' }); // ends the cooldown
    const failure = new Error('refresh refused');
    fetchTokens.mockRejectedValueOnce(failure);
    await expect(api('orders')).rejects.toBe(failure);
    expect(fetch).toHaveBeenCalledTimes(3);
    expect(bodies[2]?.destroyed).toBe(true);
    tokens.dispose();
  });

  it('follows a node-fetch redirect (its body a Node stream, no cancel): the redirect’s body is destroyed, the token goes on', async () => {
    const { tokens } = await countingTokens();
    const bodies: PassThrough[] = [];
    const sent: Array<[string, string | null]> = [];
    const fetch = vi.fn<typeof globalThis.fetch>(async (input, init) => {
      sent.push([String(input), new Headers(init?.headers).get('authorization')]);
      const body = new PassThrough();
      body.end('moved');
      bodies.push(body);
      const moved = String(input).endsWith('/old');
      return {
        status: moved ? 302 : 200,
        ok: !moved,
        redirected: false,
        url: String(input),
        headers: new Headers(moved ? { location: `${API}/new` } : {}),
        body,
      } as unknown as Response;
    });
    const api = withTokens(fetch, tokens, { baseUrl: `${API}/` });
    expect((await api('old')).status).toBe(200);
    expect(sent).toEqual([
      [`${API}/old`, 'Bearer at-0'],
      [`${API}/new`, 'Bearer at-0'],
    ]);
    expect(bodies.map((body) => body.destroyed)).toEqual([true, false]);
    tokens.dispose();
  });

  it('releases the 401’s body when the replay gets no token: the refresh fails, or the caller aborts', async () => {
    const { tokens, fetchTokens } = await countingTokens();
    const failure = new Error('refresh refused');
    fetchTokens.mockRejectedValueOnce(failure);
    let cancelled = 0;
    const fetch = vi.fn<typeof globalThis.fetch>(
      async () =>
        new Response(
          new ReadableStream({
            pull: (controller) => controller.enqueue(new Uint8Array(1024)), // endless
            cancel: () => {
              cancelled += 1;
            },
          }),
          { status: 401 },
        ),
    );
    const api = withTokens(fetch, tokens, { baseUrl: `${API}/` });
    await expect(api('orders')).rejects.toBe(failure);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(cancelled).toBe(1);

    await tokens.setTokens({ access_token: 'again', expires_in: 300, refresh_token: 'rt' }); // ends the cooldown
    const [asked, gate] = [deferred<void>(), deferred<void>()];
    fetchTokens.mockImplementationOnce(async () => {
      asked.resolve();
      await gate.promise;
      return { access_token: 'late', token_type: 'Bearer', expires_in: 300 };
    });
    const controller = new AbortController();
    const sent = api('orders', { signal: controller.signal });
    await asked.promise; // the replay waits for the refresh
    controller.abort(new Error('left the page'));
    await expect(sent).rejects.toThrow('left the page');
    expect(cancelled).toBe(2);
    expect(fetch).toHaveBeenCalledTimes(2); // no replay
    gate.resolve();
    tokens.dispose();
  });
});
