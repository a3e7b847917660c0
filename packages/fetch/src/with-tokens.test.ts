import type { TokenManager } from '@tessera/core';
import { failUnhandledRequest } from '@tessera/testing';
import ky from 'ky';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { Headers as UndiciHeaders } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { deferred } from '../../e2e-support/test-support/deferred.js';
import { kyHooks } from './ky-hooks.js';
import { withTokens } from './with-tokens.js';

const API = 'https://api.example.com';

/** What the API received: per request, its token and the exact bytes and type of its body. */
interface Received {
  url: string;
  method: string;
  authorization: string | null;
  contentType: string | null;
  bytes: string;
  form?: Array<[string, string]>;
}
const received: Received[] = [];
let valid = 'at-1';

const server = setupServer(
  http.all(`${API}/*`, async ({ request }) => {
    const contentType = request.headers.get('content-type');
    const copy = request.clone();
    const entry: Received = {
      url: request.url,
      method: request.method,
      authorization: request.headers.get('authorization'),
      contentType,
      bytes: Buffer.from(await request.arrayBuffer()).toString('base64'),
    };
    if (contentType?.startsWith('multipart/form-data')) {
      const form = await copy.formData(); // throws if the boundary does not match the body
      entry.form = [...form.entries()].map(([key, value]) => [
        key,
        typeof value === 'string' ? value : `${value.name}:${value.size}`,
      ]);
    }
    received.push(entry);
    return entry.authorization === `Bearer ${valid}`
      ? HttpResponse.json({ ok: true })
      : new HttpResponse(null, {
          status: 401,
          headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
        });
  }),
  http.all('https://evil.test/*', ({ request }) => {
    received.push({
      url: request.url,
      method: request.method,
      authorization: request.headers.get('authorization'),
      contentType: null,
      bytes: '',
    });
    return new HttpResponse(null, { status: 401 });
  }),
);

const managers: TokenManager[] = [];
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  received.length = 0;
  valid = 'at-1';
  for (const tokens of managers.splice(0)) tokens.dispose();
});
afterAll(() => server.close());

/** msw patches globalThis.fetch at listen(): read it per call. */
const platformFetch: typeof fetch = (input, init) => globalThis.fetch(input, init);

async function setup(options: Parameters<typeof withTokens>[2] = { baseUrl: `${API}/v1/` }) {
  const { tokens, fetchTokens } = await countingTokens();
  managers.push(tokens);
  const api = withTokens(platformFetch, tokens, options);
  return { api, tokens, fetchTokens };
}

describe('withTokens: replaying bodies', () => {
  const file = () => new File(['file-bytes'], 'a.txt', { type: 'text/plain' });
  const bodies: Array<[string, () => BodyInit]> = [
    ['string', () => '{"a":1}'],
    ['ArrayBuffer', () => new TextEncoder().encode('array-buffer').buffer as ArrayBuffer],
    ['Uint8Array', () => new TextEncoder().encode('view')],
    ['Blob', () => new Blob(['blob'], { type: 'application/octet-stream' })],
    ['URLSearchParams', () => new URLSearchParams({ q: 'a b+c' })],
  ];

  it.each(bodies)('replays a %s body with identical bytes after a 401', async (_name, make) => {
    const { api, fetchTokens } = await setup();
    const response = await api('orders', { method: 'POST', body: make() });
    expect(response.status).toBe(200);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(received.map((entry) => entry.authorization)).toEqual(['Bearer at-0', 'Bearer at-1']);
    expect(received[1]?.bytes).toBe(received[0]?.bytes);
    expect(received[1]?.bytes).not.toBe('');
    expect(received[1]?.contentType).toBe(received[0]?.contentType);
  });

  it('replays a Request with a body with identical bytes after a 401, from the clone taken before the first send', async () => {
    const { api, fetchTokens } = await setup();
    const request = new Request(`${API}/req-body`, { method: 'PUT', body: 'request-body' });
    expect((await api(request)).status).toBe(200);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(
      received.map((entry) => [
        entry.method,
        entry.authorization,
        Buffer.from(entry.bytes, 'base64').toString(),
      ]),
    ).toEqual([
      ['PUT', 'Bearer at-0', 'request-body'],
      ['PUT', 'Bearer at-1', 'request-body'],
    ]);
  });

  it('reads a Request given as init as fetch does: its method and body go to the URL given, and are replayed after a 401', async () => {
    const { api, fetchTokens } = await setup();
    const init = new Request(`${API}/not-this-url`, { method: 'PUT', body: 'request-body' });
    expect((await api('orders', init)).status).toBe(200);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(
      received.map((entry) => [
        entry.method,
        entry.url,
        entry.authorization,
        Buffer.from(entry.bytes, 'base64').toString(),
      ]),
    ).toEqual([
      ['PUT', `${API}/v1/orders`, 'Bearer at-0', 'request-body'],
      ['PUT', `${API}/v1/orders`, 'Bearer at-1', 'request-body'],
    ]);
  });

  it('keeps the signal of a Request given as init on the send: an abort in flight rejects with its reason', async () => {
    const { tokens } = await countingTokens();
    managers.push(tokens);
    const controller = new AbortController();
    const reason = new Error('navigated away');
    /** A fetch that honours its signal, and the caller aborts while it is in flight. */
    const fetch: typeof globalThis.fetch = async (input, init) => {
      const { signal } = new Request(input, init);
      controller.abort(reason);
      signal.throwIfAborted();
      return new Response(null, { status: 200 });
    };
    const api = withTokens(fetch, tokens, { baseUrl: `${API}/` });
    await expect(api('orders', new Request(`${API}/`, { signal: controller.signal }))).rejects.toBe(reason);
  });

  it('replays FormData with a File so that the server can parse it (no stale multipart boundary)', async () => {
    const { api } = await setup();
    const form = new FormData();
    form.set('name', 'alice');
    form.set('upload', file());
    const response = await api('upload', { method: 'POST', body: form });
    expect(response.status).toBe(200);
    expect(received.map((entry) => entry.form)).toEqual([
      [
        ['name', 'alice'],
        ['upload', 'a.txt:10'],
      ],
      [
        ['name', 'alice'],
        ['upload', 'a.txt:10'],
      ],
    ]);
  });

  it('kyHooks: retries FormData with a File and a Request with a body so that the server parses the same parts and bytes', async () => {
    const client = async () => {
      const { tokens, fetchTokens } = await setup();
      const hooks = kyHooks(ky, tokens, { origins: API });
      return { fetchTokens, ky: ky.create({ prefixUrl: `${API}/v1`, hooks }) };
    };
    const form = new FormData();
    form.set('name', 'alice');
    form.set('upload', file());
    const first = await client();
    expect((await first.ky.post('upload', { body: form })).status).toBe(200);
    const second = await client();
    const request = new Request(`${API}/v1/req`, { method: 'PUT', body: 'request-body' });
    expect((await second.ky(request)).status).toBe(200);
    expect([first.fetchTokens.mock.calls.length, second.fetchTokens.mock.calls.length]).toEqual([1, 1]);
    const parts = [
      ['name', 'alice'],
      ['upload', 'a.txt:10'],
    ];
    expect(received.map((entry) => [entry.authorization, entry.form ?? atob(entry.bytes)])).toEqual([
      ['Bearer at-0', parts],
      ['Bearer at-1', parts],
      ['Bearer at-0', 'request-body'],
      ['Bearer at-1', 'request-body'],
    ]);
  });

  it('returns the 401 of a stream body as it is: never replayed, never tee()d', async () => {
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    // No msw here: its own handling clones requests; this fetch reads the body once, like a server.
    const sent: string[] = [];
    const api = withTokens(
      async (input, init) => {
        sent.push(await new Request(input, init).text());
        return new Response(null, { status: 401 });
      },
      tokens,
      { baseUrl: API },
    );
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('once'));
        controller.close();
      },
    });
    const tee = vi.spyOn(ReadableStream.prototype, 'tee');
    const response = await api('upload', { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(401);
    expect(tee).not.toHaveBeenCalled();
    tee.mockRestore();
    expect(sent).toEqual(['once']);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('replays a 401 that has a body although cancelling that body never settles (msw, a fetch that clones responses)', async () => {
    server.use(
      http.all(`${API}/denied-with-body`, ({ request }) => {
        const authorization = request.headers.get('authorization');
        received.push({
          url: request.url,
          method: request.method,
          authorization,
          contentType: null,
          bytes: '',
        });
        return authorization === `Bearer ${valid}`
          ? HttpResponse.json({ ok: true })
          : HttpResponse.json({ error: 'invalid_token' }, { status: 401 }); // msw clones it: cancel() hangs
      }),
    );
    const { api, fetchTokens } = await setup();
    const response = await api(`${API}/denied-with-body`, { method: 'POST', body: 'payload' });
    expect(response.status).toBe(200);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(received.map((entry) => entry.authorization)).toEqual(['Bearer at-0', 'Bearer at-1']);
  });
});

describe('withTokens: inputs', () => {
  it('resolves string, URL and Request inputs (relative and absolute, with and without body) once against baseUrl', async () => {
    const { api } = await setup();
    const responses = [
      await api('orders'),
      await api('/orders'),
      await api(`${API}/abs`),
      await api(new URL(`${API}/url`)),
      await api(new Request(`${API}/req`)),
      await api(new Request(`${API}/req-body`, { method: 'PUT', body: 'request-body' })),
      await api(new Request(`${API}/req-init`), { method: 'PATCH', body: 'init-body' }),
    ];
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200, 200, 200]);
    const replays = received.filter((entry) => entry.authorization === 'Bearer at-1');
    expect(replays.map((entry) => [entry.method, new URL(entry.url).pathname])).toEqual([
      ['GET', '/v1/orders'],
      ['GET', '/orders'],
      ['GET', '/abs'],
      ['GET', '/url'],
      ['GET', '/req'],
      ['PUT', '/req-body'],
      ['PATCH', '/req-init'],
    ]);
    const bodyOf = (path: string) =>
      received
        .filter((entry) => entry.url.endsWith(path))
        .map((entry) => Buffer.from(entry.bytes, 'base64').toString());
    expect(bodyOf('/req-body')).toEqual(['request-body']); // sent once: the first call refreshed
    expect(bodyOf('/req-init')).toEqual(['init-body']);
  });

  it('sends no token for a relative URL in Node without baseUrl, and leaves it to fetch', async () => {
    const { api, fetchTokens } = await setup({});
    await expect(api('/orders')).rejects.toThrow(TypeError); // fetch itself cannot resolve it
    await api(`${API}/orders`);
    expect(received.map((entry) => entry.authorization)).toEqual([null]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('never overwrites a caller-set Authorization (object, Headers, array, Request) and never replays its 401', async () => {
    const { api, fetchTokens } = await setup();
    const statuses = [
      (await api('a', { headers: { authorization: 'Bearer mine' } })).status,
      (await api('b', { headers: new Headers({ Authorization: 'Bearer mine' }) })).status,
      (await api('c', { headers: [['AUTHORIZATION', 'Bearer mine']] })).status,
      (await api(new Request(`${API}/d`, { headers: { Authorization: 'Bearer mine' } }))).status,
    ];
    expect(statuses).toEqual([401, 401, 401, 401]);
    expect(received.map((entry) => entry.authorization)).toEqual(Array(4).fill('Bearer mine'));
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('sends the token where Authorization is undefined or null (object, Headers, array, Request), never the text "undefined"', async () => {
    const { api, fetchTokens } = await setup();
    const optional = (token: string | undefined) => ({ Authorization: token && `Bearer ${token}` });
    const responses = [
      await api('a', { headers: optional(undefined) as HeadersInit }),
      await api('b', { headers: { authorization: null } as unknown as HeadersInit }),
      await api('c', { headers: new Headers(optional(undefined) as HeadersInit) }),
      await api('d', { headers: [['Authorization', undefined]] as unknown as HeadersInit }),
      await api(new Request(`${API}/e`, { headers: optional(undefined) as HeadersInit })),
    ];
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    // at-0 went first and was refused once: one refresh for all, never "undefined" or "null" on the wire
    expect(received.map((entry) => entry.authorization)).toEqual([
      'Bearer at-0',
      'Bearer at-1',
      'Bearer at-1',
      'Bearer at-1',
      'Bearer at-1',
      'Bearer at-1',
    ]);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it("keeps an empty Authorization as the caller's (object, Headers, array, Request), as kyHooks and attachTokenManager do: sent as it is, never replayed", async () => {
    const { api, fetchTokens } = await setup();
    const empty = { Authorization: '' };
    const responses = [
      await api('a', { headers: empty }),
      await api('b', { headers: new Headers(empty) }),
      await api('c', { headers: [['Authorization', '']] }),
      await api(new Request(`${API}/d`, { headers: empty })),
    ];
    expect(responses.map((response) => response.status)).toEqual([401, 401, 401, 401]);
    expect(received.map((entry) => entry.authorization)).toEqual(['', '', '', '']);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('never overwrites a caller-set Authorization in a Map or in another copy’s Headers (npm undici)', async () => {
    const { tokens } = await countingTokens();
    managers.push(tokens);
    const sent: Array<string | null> = [];
    const api = withTokens(
      async (input, init) => {
        sent.push(new Request(input, init).headers.get('authorization'));
        return new Response('');
      },
      tokens,
      { baseUrl: API },
    );
    await api('x', { headers: new UndiciHeaders({ Authorization: 'Basic mine' }) as never });
    await api('y', { headers: new Map([['Authorization', 'Basic mine']]) as never });
    expect(sent).toEqual(['Basic mine', 'Basic mine']);
  });

  it('reads headers given as a one-shot iterator (map.entries(), a generator) once, as fetch does: none is lost', async () => {
    const { api, fetchTokens } = await setup();
    const json = () => new Map([['Content-Type', 'application/json']]).entries();
    expect((await api('orders', { method: 'POST', body: '{}', headers: json() as never })).status).toBe(200);
    function* mine() {
      yield ['Authorization', 'Bearer at-1'] as [string, string];
      yield ['Content-Type', 'application/json'] as [string, string];
    }
    expect((await api('mine', { method: 'POST', body: '{}', headers: mine() as never })).status).toBe(200);
    // The 401 and its replay both carry the caller's Content-Type; the caller's own Authorization goes as it is.
    expect(received.map((entry) => [entry.authorization, entry.contentType])).toEqual([
      ['Bearer at-0', 'application/json'],
      ['Bearer at-1', 'application/json'],
      ['Bearer at-1', 'application/json'],
    ]);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('reads an init whose members come through its prototype (Object.create, a class with getters) as fetch does: method, body and headers go, and are replayed after a 401', async () => {
    const { api, fetchTokens } = await setup();
    const base = { method: 'POST', body: 'from-proto', headers: { 'Content-Type': 'text/plain' } };
    class Init {
      get method() {
        return 'PUT';
      }
      get body() {
        return 'from-getter';
      }
      get headers() {
        return { 'Content-Type': 'application/json' };
      }
    }

    expect((await api('inherited', Object.create(base))).status).toBe(200);
    expect((await api('getters', new Init() as RequestInit)).status).toBe(200);

    expect(
      received.map((entry) => [
        entry.method,
        entry.authorization,
        entry.contentType,
        Buffer.from(entry.bytes, 'base64').toString(),
      ]),
    ).toEqual([
      ['POST', 'Bearer at-0', 'text/plain', 'from-proto'],
      ['POST', 'Bearer at-1', 'text/plain', 'from-proto'],
      ['PUT', 'Bearer at-1', 'application/json', 'from-getter'],
    ]);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('refuses an init that is not an object (a string) with a TypeError, as fetch does, and sends nothing', async () => {
    const { api, fetchTokens } = await setup();
    await expect(api('string', 'x' as never)).rejects.toThrow(TypeError);
    expect(received).toHaveLength(0);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('keeps the signal an init inherits through its prototype on the send, and honours an inherited skipAuth', async () => {
    const { tokens } = await countingTokens();
    managers.push(tokens);
    const controller = new AbortController();
    const reason = new Error('navigated away');
    const seen: Array<string | null> = [];
    /** A fetch that honours its signal, and the caller aborts while it is in flight. */
    const fetch: typeof globalThis.fetch = async (input, init) => {
      const request = new Request(input, init);
      seen.push(request.headers.get('authorization'));
      controller.abort(reason);
      request.signal.throwIfAborted();
      return new Response(null, { status: 200 });
    };
    const api = withTokens(fetch, tokens, { baseUrl: `${API}/` });

    await expect(api('orders', Object.create({ signal: controller.signal }))).rejects.toBe(reason);
    expect((await api('health', Object.create({ skipAuth: true }))).status).toBe(200);

    expect(seen).toEqual(['Bearer at-0', null]);
  });

  it('skips auth per request with { skipAuth: true }, which never reaches fetch', async () => {
    const inner = vi.fn(platformFetch);
    const { tokens } = await countingTokens();
    managers.push(tokens);
    const api = withTokens(inner, tokens, { baseUrl: API });
    expect((await api('health', { skipAuth: true })).status).toBe(401);
    expect(inner.mock.calls[0]?.[1]).toEqual({});
    expect(received.map((entry) => entry.authorization)).toEqual([null]);
  });

  it('takes the token and its scheme from one set, normalised', async () => {
    const { tokens } = await countingTokens({ tokenTypes: ['Bearer', 'DPoP'] });
    managers.push(tokens);
    const api = withTokens(platformFetch, tokens, { baseUrl: `${API}/v1/` });
    await tokens.setTokens({ access_token: 'bound', token_type: 'dpop', expires_in: 300 });
    vi.spyOn(tokens, 'peekTokens').mockReturnValue({ accessToken: 'other', tokenType: 'Bearer' });
    await api('orders');
    expect(received[0]?.authorization).toBe('DPoP bound');
  });
});

describe('withTokens: abort and options', () => {
  it('rejects with the caller’s signal.reason when aborted while waiting for the replay’s token, and sends no replay', async () => {
    const gate = deferred();
    const { tokens, fetchTokens } = await countingTokens({ gate: gate.promise });
    managers.push(tokens);
    const api = withTokens(platformFetch, tokens, { baseUrl: API });
    const controller = new AbortController();
    const reason = new Error('navigated away');
    const pending = api('orders', { signal: controller.signal });
    await vi.waitFor(() => expect(fetchTokens).toHaveBeenCalledTimes(1)); // the 401 came; the refresh waits
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    gate.resolve();
    expect(received).toHaveLength(1);
  });

  it('rejects with the caller’s signal.reason when a Request with a body is aborted while waiting for its token: it never hangs, and sends nothing', async () => {
    const gate = deferred();
    const { tokens, fetchTokens } = await countingTokens({ gate: gate.promise });
    managers.push(tokens);
    tokens.invalidate('at-0'); // the first send waits for a refresh
    const api = withTokens(platformFetch, tokens, { baseUrl: API });
    const controller = new AbortController();
    const reason = new Error('navigated away');
    const request = new Request(`${API}/orders`, {
      method: 'POST',
      body: 'payload',
      signal: controller.signal,
    });
    const pending = api(request);
    await vi.waitFor(() => expect(fetchTokens).toHaveBeenCalledTimes(1));
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    gate.resolve();
    expect(received).toHaveLength(0);
  });

  it('rejects with fetch’s error when a fetch rejects a Request with a body before reading it', async () => {
    const { tokens } = await countingTokens();
    managers.push(tokens);
    const failure = new TypeError('fetch failed');
    const fetch = vi.fn<typeof globalThis.fetch>(() => Promise.reject(failure)); // a circuit breaker, a mock
    const api = withTokens(fetch, tokens, { baseUrl: API });
    await expect(api(new Request(`${API}/orders`, { method: 'POST', body: 'payload' }))).rejects.toBe(
      failure,
    );
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('answers an API that rejects every token with one refresh in all, not one per request (no 401 loop)', async () => {
    valid = 'never';
    const { api, fetchTokens } = await setup();
    for (let i = 0; i < 5; i += 1) expect((await api('orders')).status).toBe(401);
    expect(fetchTokens).toHaveBeenCalledTimes(1); // then the manager's rejectionCooldown holds
    expect(received.map((entry) => entry.authorization)).toEqual([
      'Bearer at-0',
      ...Array.from({ length: 5 }, () => 'Bearer at-1'),
    ]);
  });

  it('shares one refresh between two wrappers on one manager', async () => {
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const one = withTokens(platformFetch, tokens, { baseUrl: API });
    const two = withTokens(platformFetch, tokens, { origins: API });
    const responses = await Promise.all([
      ...Array.from({ length: 100 }, () => one('orders')),
      ...Array.from({ length: 100 }, () => two(`${API}/orders`)),
    ]);
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('takes a URL object as baseUrl, as it takes a string (relative inputs resolve against it, its origin gets the token)', async () => {
    const { tokens } = await countingTokens();
    managers.push(tokens);
    const seen: Array<[string, string | null]> = [];
    const api = withTokens(
      async (input, init) => {
        seen.push([String(input), new Headers(init?.headers).get('authorization')]);
        return new Response(null, { status: 200 });
      },
      tokens,
      { baseUrl: new URL(`${API}/v1/`) },
    );
    await api('orders');
    await api('https://elsewhere.test/x');
    expect(seen).toEqual([
      [`${API}/v1/orders`, 'Bearer at-0'],
      ['https://elsewhere.test/x', null],
    ]);
    expect(() => withTokens(platformFetch, tokens, { baseUrl: new URL('data:,x') })).toThrow(/absolute URL/);
  });

  it('rejects unknown options with a "did you mean", and a relative baseUrl', async () => {
    const { tokens } = await countingTokens();
    managers.push(tokens);
    expect(() => withTokens(platformFetch, tokens, { baseURL: API } as never)).toThrow(
      /did you mean "baseUrl"/,
    );
    expect(() => withTokens(platformFetch, tokens, { baseUrl: '/api' })).toThrow(/absolute URL/);
    expect(() => withTokens(platformFetch, tokens, { origins: /example\.com/ })).toThrow(/anchored/);
    expect(() => withTokens('fetch' as never, tokens)).toThrow(TypeError);
  });
});

describe('withTokens in a browser', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('resolves relative URLs against the page and sends the token to the page origin only, leaving redirects to the browser', async () => {
    vi.stubGlobal('document', { baseURI: `${API}/shop/` });
    const seen: Array<[string, string | null, RequestRedirect | undefined]> = [];
    const { tokens } = await countingTokens();
    managers.push(tokens);
    const api = withTokens(async (input, init) => {
      seen.push([String(input), new Headers(init?.headers).get('authorization'), init?.redirect]);
      return new Response(null, { status: 200 });
    }, tokens);
    await api('cart');
    await api('/orders');
    await api('https://evil.test/x');
    expect(seen).toEqual([
      [`${API}/shop/cart`, 'Bearer at-0', undefined],
      [`${API}/orders`, 'Bearer at-0', undefined],
      ['https://evil.test/x', null, undefined],
    ]);
  });

  it('kyHooks: sends the token to the page origin by default, and to no other', async () => {
    vi.stubGlobal('document', { baseURI: `${API}/shop/` });
    const { tokens } = await countingTokens();
    managers.push(tokens);
    const seen: Array<string | null> = [];
    const fakeFetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      seen.push(new Request(input, init).headers.get('authorization'));
      return new Response(null, { status: 200 });
    };
    const client = ky.create({ fetch: fakeFetch, hooks: kyHooks(ky, tokens) });
    await client.get(`${API}/orders`);
    await client.get('https://evil.test/x');
    expect(seen).toEqual(['Bearer at-0', null]);
  });
});
