import type { TokenManager } from '@tessera/core';
import { createDPoP } from '@tessera/dpop';
import ky, { type Options } from 'ky';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readProof } from '../../dpop/test/read-proof.js';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { loopbackServer } from '../../e2e-support/test-support/loopback-server.js';
import { type LoopbackOrigin, redirectingApi } from '../../e2e-support/test-support/redirecting-api.js';
import { kyHooks } from '../src/ky-hooks.js';
import { withTokens } from '../src/with-tokens.js';

// Real servers on two origins of 127.0.0.1 (two ports), Node's own fetch (undici): which host saw
// which credential header. PITFALLS-FETCH-DPOP "Authorization on cross-origin redirects".
let api: LoopbackOrigin;
let other: LoopbackOrigin;
const managers: TokenManager[] = [];
const servers: LoopbackOrigin[] = [];

/** A further loopback server for one test, closed after it. */
async function serve(respond: Parameters<typeof loopbackServer>[0]): Promise<LoopbackOrigin> {
  const server = await loopbackServer(respond);
  servers.push(server);
  return server;
}

beforeAll(async () => {
  ({ api, other } = await redirectingApi('at-1'));
});
afterAll(async () => {
  await api.close();
  await other.close();
});
afterEach(async () => {
  vi.unstubAllGlobals();
  for (const tokens of managers.splice(0)) tokens.dispose();
  await Promise.all(servers.splice(0).map((server) => server.close()));
  api.seen.length = 0;
  other.seen.length = 0;
});

async function setup() {
  const counted = await countingTokens();
  managers.push(counted.tokens);
  const invalidate = vi.spyOn(counted.tokens, 'invalidate');
  return { ...counted, invalidate, fetchApi: withTokens(fetch, counted.tokens, { baseUrl: api.origin }) };
}

describe('withTokens: redirects (Node, redirect: "manual" checked on every hop)', () => {
  it.each([301, 302, 303, 307, 308])(
    'never sends Authorization or DPoP to another origin after a %i, and never refreshes for its 401',
    async (status) => {
      const { fetchApi, fetchTokens, invalidate } = await setup();
      const response = await fetchApi(
        `/redirect?status=${status}&to=${encodeURIComponent(`${other.origin}/x`)}`,
        {
          method: 'POST',
          body: 'payload',
          headers: { DPoP: 'proof-for-api' },
        },
      );
      expect(response.status).toBe(401);
      expect(response.url).toBe(`${other.origin}/x`);
      expect(response.redirected).toBe(true);
      expect(other.seen.map((seen) => [seen.authorization, seen.dpop])).toEqual([[null, null]]);
      expect(other.seen[0]?.method).toBe(status === 307 || status === 308 ? 'POST' : 'GET');
      expect(other.seen[0]?.body).toBe(status === 307 || status === 308 ? 'payload' : '');
      expect(invalidate).not.toHaveBeenCalled();
      expect(fetchTokens).not.toHaveBeenCalled();
    },
  );

  it.each([302, 307])(
    'never carries a Cookie to another origin after a %i (as undici would not): it stays on the API',
    async (status) => {
      const { fetchApi } = await setup();
      await fetchApi(`/redirect?status=${status}&to=${encodeURIComponent(`${other.origin}/x`)}`, {
        headers: { Cookie: 'session=s3cret' },
      });
      expect(api.seen.map((seen) => seen.cookie)).toEqual(['session=s3cret']);
      expect(other.seen.map((seen) => seen.cookie)).toEqual([null]);
    },
  );

  it.each([302, 307])(
    'with a senderConstraint (DPoP): the proof goes to the API, and neither it nor the token to another origin after a %i',
    async (status) => {
      const counted = await countingTokens({ tokenType: 'DPoP', tokenTypes: ['DPoP'] });
      managers.push(counted.tokens);
      const fetchApi = withTokens(fetch, counted.tokens, {
        baseUrl: api.origin,
        senderConstraint: createDPoP(),
      });
      const response = await fetchApi(
        `/redirect?status=${status}&to=${encodeURIComponent(`${other.origin}/x`)}`,
        { method: 'POST', body: 'payload' },
      );
      expect(response.status).toBe(401);
      expect(api.seen.map((seen) => [seen.authorization, typeof seen.dpop])).toEqual([
        ['DPoP at-0', 'string'],
      ]);
      expect(other.seen.map((seen) => [seen.authorization, seen.dpop])).toEqual([[null, null]]);
      expect(counted.fetchTokens).not.toHaveBeenCalled();
    },
  );

  it('keeps the token on a redirect within the API origin, and replays through it after a 401', async () => {
    const { fetchApi, fetchTokens } = await setup();
    const response = await fetchApi(`/redirect?to=${encodeURIComponent('/orders')}`);
    expect(response.status).toBe(200);
    expect(api.seen.map((seen) => [seen.path.split('?')[0], seen.authorization])).toEqual([
      ['/redirect', 'Bearer at-0'],
      ['/orders', 'Bearer at-0'],
      ['/redirect', 'Bearer at-1'],
      ['/orders', 'Bearer at-1'],
    ]);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('never carries the caller’s own Authorization to another origin when the token travels in another header (as undici would not)', async () => {
    const { tokens } = await countingTokens();
    managers.push(tokens);
    const fetchApi = withTokens(fetch, tokens, { baseUrl: api.origin, header: 'X-Token' });
    const to = encodeURIComponent(`${other.origin}/x`);
    const headers = { Authorization: 'Basic dXNlcjpwdw==' };
    await fetchApi(`/redirect?to=${to}`, { headers });
    await fetch(`${api.origin}/redirect?to=${to}`, { headers }); // what plain fetch does
    expect(api.seen.map((seen) => seen.authorization)).toEqual(['Basic dXNlcjpwdw==', 'Basic dXNlcjpwdw==']);
    expect(other.seen.map((seen) => seen.authorization)).toEqual([null, null]);
  });

  it.each([
    [307, 'POST'],
    [303, 'GET'],
  ])(
    'with DPoP (the manager’s senderConstraint): each hop within the API origin carries a fresh proof for its own method and URL (%i)',
    async (status, method) => {
      const counted = await countingTokens({ tokenType: 'DPoP', senderConstraint: createDPoP() });
      managers.push(counted.tokens);
      const fetchApi = withTokens(fetch, counted.tokens, { baseUrl: api.origin });
      const response = await fetchApi(`/redirect?status=${status}&to=${encodeURIComponent('/orders')}`, {
        method: 'POST',
        body: 'payload',
      });
      expect(response.status).toBe(200);
      // Verified with jose against the embedded key, as a server reads them.
      const claims = (await Promise.all(api.seen.map((seen) => readProof(seen.dpop)))).map(
        (proof) => proof.claims,
      );
      const sent = api.seen.map((seen, i) => [
        seen.path.split('?')[0],
        seen.method,
        seen.authorization,
        claims[i]?.htm,
        claims[i]?.htu,
      ]);
      // /orders refuses at-0: one refresh, and the replay's hops get proofs of their own too.
      expect(sent).toEqual([
        ['/redirect', 'POST', 'DPoP at-0', 'POST', `${api.origin}/redirect`],
        ['/orders', method, 'DPoP at-0', method, `${api.origin}/orders`],
        ['/redirect', 'POST', 'DPoP at-1', 'POST', `${api.origin}/redirect`],
        ['/orders', method, 'DPoP at-1', method, `${api.origin}/orders`],
      ]);
      expect(new Set(claims.map((claim) => claim.jti)).size).toBe(4);
      expect(counted.fetchTokens).toHaveBeenCalledTimes(1);
    },
  );

  it('checks every hop of a chain (API → API → other origin)', async () => {
    const { fetchApi } = await setup();
    // `other` answers 401 without redirecting, so route through api twice instead: api → api?to=other.
    const back = `${api.origin}/orders`;
    await fetchApi(
      `/redirect?to=${encodeURIComponent(`${api.origin}/redirect?to=${encodeURIComponent(`${other.origin}/x?next=${back}`)}`)}`,
    );
    expect(other.seen.map((seen) => seen.authorization)).toEqual([null]);
  });

  it.each([307, 308])(
    'follows a %i of a Request with a body as fetch does: the hop gets the same bytes, and a 401 there replays the whole request once',
    async (status) => {
      const { fetchApi, fetchTokens } = await setup();
      const response = await fetchApi(
        new Request(`${api.origin}/redirect?status=${status}&to=%2Forders`, {
          method: 'POST',
          body: 'payload',
        }),
      );
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ stored: 'payload' });
      // /orders refuses at-0: one refresh, and the replay's hop carries the body again too.
      expect(
        api.seen.map((seen) => [seen.path.split('?')[0], seen.method, seen.authorization, seen.body]),
      ).toEqual([
        ['/redirect', 'POST', 'Bearer at-0', 'payload'],
        ['/orders', 'POST', 'Bearer at-0', 'payload'],
        ['/redirect', 'POST', 'Bearer at-1', 'payload'],
        ['/orders', 'POST', 'Bearer at-1', 'payload'],
      ]);
      expect(fetchTokens).toHaveBeenCalledTimes(1);
    },
  );

  it('ky with withTokens as its fetch (a Request per call): a 307 of a JSON POST is followed with the same body', async () => {
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const client = ky.create({
      prefixUrl: api.origin,
      fetch: withTokens(fetch, tokens, { baseUrl: api.origin }),
    });
    const body = await client
      .post('redirect', { searchParams: { status: 307, to: '/orders' }, json: { item: 42 } })
      .json();
    expect(body).toEqual({ stored: '{"item":42}' });
    expect(api.seen.map((seen) => [seen.path.split('?')[0], seen.authorization, seen.body])).toEqual([
      ['/redirect', 'Bearer at-0', '{"item":42}'],
      ['/orders', 'Bearer at-0', '{"item":42}'],
      ['/redirect', 'Bearer at-1', '{"item":42}'],
      ['/orders', 'Bearer at-1', '{"item":42}'],
    ]);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('ky with withTokens as its fetch and a dispatcher (a proxy, a private CA): the 307 hop and the 401 replay go through it too', async () => {
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    // Node's own dispatcher, counted: which sends went through the one the caller passed.
    const global = (globalThis as unknown as Record<symbol, { dispatch(...args: unknown[]): boolean }>)[
      Symbol.for('undici.globalDispatcher.1')
    ]!;
    const through: string[] = [];
    const dispatcher = {
      dispatch: (options: { path: string }, handler: unknown) => {
        through.push(options.path.split('?')[0]!);
        return global.dispatch(options, handler);
      },
    };
    const fetchApi = withTokens(fetch, tokens, { baseUrl: api.origin });
    // ky hands fetch its Request and, beside it, the options a Request does not keep (`dispatcher`).
    const client = ky.create({ prefixUrl: api.origin, fetch: fetchApi, dispatcher } as Options);
    await client.post('redirect', { searchParams: { status: 307, to: '/orders' }, json: { item: 42 } });
    const request = new Request(`${api.origin}/redirect?status=307&to=%2Forders`, {
      method: 'PUT',
      body: 'x',
    });
    expect((await fetchApi(request, { dispatcher } as RequestInit)).status).toBe(200);
    // ky's POST: sent with at-0, its 307 hop, the replay after the 401 and its hop; then the PUT (at-1 is valid).
    expect(through).toEqual(['/redirect', '/orders', '/redirect', '/orders', '/redirect', '/orders']);
    expect(api.seen).toHaveLength(6);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('a Request with a stream body, read once: the hop and the replay get the same bytes, from the clone taken before the first send', async () => {
    const { fetchApi } = await setup();
    let pulls = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls += 1;
        if (pulls === 1) controller.enqueue(new TextEncoder().encode('payload'));
        else controller.close();
      },
    });
    const request = new Request(`${api.origin}/redirect?status=307&to=%2Forders`, {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit);
    const response = await fetchApi(request);
    // Read once, kept by the clone taken before the first send: the hop gets the same bytes.
    expect(response.status).toBe(200);
    expect(api.seen.map((seen) => [seen.path.split('?')[0], seen.body])).toEqual([
      ['/redirect', 'payload'],
      ['/orders', 'payload'],
      ['/redirect', 'payload'],
      ['/orders', 'payload'],
    ]);
  });

  it('leaves redirect: "manual" and "error" to the caller', async () => {
    const { fetchApi } = await setup();
    const to = `/redirect?to=${encodeURIComponent(`${other.origin}/x`)}`;
    const response = await fetchApi(to, { redirect: 'manual' });
    expect(response.status).toBe(302);
    // 'error': fetch's own TypeError at the redirect, as plain fetch gives it.
    const error = await fetchApi(to, { redirect: 'error' }).then(
      () => expect.fail('resolved'),
      (reason: unknown) => reason as TypeError,
    );
    expect([error, error.cause]).toEqual([new TypeError('fetch failed'), new Error('unexpected redirect')]);
    expect(other.seen).toHaveLength(0);
  });

  it('rejects with a TypeError where Node’s own fetch does: a redirect loop, a Location that is not http(s); a 3xx without Location is the answer', async () => {
    const { tokens, fetchTokens, invalidate } = await setup();
    const server = await serve((seen, res) => {
      const path = seen.path.split('?')[0];
      if (path === '/loop') res.writeHead(302, { Location: '/loop' }).end();
      else if (path === '/empty')
        res.writeHead(302, { Location: '' }).end(); // the same URL again
      else if (path === '/nowhere') res.writeHead(302).end('no Location');
      else res.writeHead(307, { Location: decodeURIComponent(seen.path.slice('/to?'.length)) }).end();
    });
    const cases = [
      ['/loop', 'fetch failed: redirect count exceeded', 'redirect count exceeded', 21],
      ['/empty', 'fetch failed: redirect count exceeded', 'redirect count exceeded', 21],
      [
        '/to?data:text/plain,at-0',
        'fetch failed: redirect to a non-http(s) URL',
        'URL scheme must be a HTTP(S) scheme',
        1,
      ],
      [
        '/to?javascript:alert(1)',
        'fetch failed: redirect to a non-http(s) URL',
        'URL scheme must be a HTTP(S) scheme',
        1,
      ],
      [
        '/to?ftp://127.0.0.1/x',
        'fetch failed: redirect to a non-http(s) URL',
        'URL scheme must be a HTTP(S) scheme',
        1,
      ],
      ['/to?http://[::1', 'fetch failed: redirect to a non-http(s) URL', 'Invalid URL', 1],
    ] as const;
    const api = withTokens(fetch, tokens, { origins: [server.origin] });
    for (const [path, ours, undici, requests] of cases) {
      // Node's own fetch first: what the wrapper must match.
      const plain = await fetch(`${server.origin}${path}`).then(
        () => expect.fail('resolved'),
        (reason: unknown) => reason as TypeError,
      );
      expect([plain, (plain.cause as Error).message]).toEqual([new TypeError('fetch failed'), undici]);
      server.seen.length = 0;
      const error = await api(`${server.origin}${path}`).then(
        () => expect.fail('resolved'),
        (reason: unknown) => reason as TypeError,
      );
      expect(error).toEqual(new TypeError(ours));
      expect(server.seen).toHaveLength(requests);
      expect(server.seen.every((seen) => seen.authorization === 'Bearer at-0')).toBe(true);
      server.seen.length = 0;
    }
    const response = await api(`${server.origin}/nowhere`);
    expect([response.status, response.redirected, await response.text()]).toEqual([
      302,
      false,
      'no Location',
    ]);
    expect(await fetch(`${server.origin}/nowhere`).then((plain) => plain.status)).toBe(302);
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(invalidate).not.toHaveBeenCalled();
  });
});

describe('withTokens where the runtime follows redirects (a browser: document stubbed), with undici as that runtime', () => {
  it('a custom token header never reaches another origin: the redirect rejects instead', async () => {
    const leaked: unknown[] = [];
    const thief = await serve((_seen, res, req) => {
      leaked.push(req.headers['x-api-token']);
      res.writeHead(200).end();
    });
    const start = await serve((_seen, res) =>
      res.writeHead(302, { Location: `${thief.origin}/steal` }).end(),
    );
    vi.stubGlobal('document', {});
    const { tokens } = await countingTokens();
    managers.push(tokens);
    const fetchApi = withTokens(fetch, tokens, { origins: start.origin, header: 'X-Api-Token' });
    await expect(fetchApi(`${start.origin}/start`)).rejects.toThrow(TypeError);
    expect(start.seen).toHaveLength(1);
    expect(leaked).toEqual([]);
  });

  it('a 401 from a second allowed origin the runtime stripped Authorization for invalidates nothing', async () => {
    const second = await serve((seen, res) =>
      res.writeHead(seen.authorization === 'Bearer at-0' ? 200 : 401).end(),
    );
    const first = await serve((_seen, res) => res.writeHead(302, { Location: `${second.origin}/x` }).end());
    vi.stubGlobal('document', {});
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const invalidate = vi.spyOn(tokens, 'invalidate');
    const fetchApi = withTokens(fetch, tokens, { origins: [first.origin, second.origin] });
    const response = await fetchApi(`${first.origin}/start`);
    expect(response.status).toBe(401);
    expect(second.seen.map((seen) => seen.authorization)).toEqual([null]);
    expect(invalidate).not.toHaveBeenCalled();
    expect(fetchTokens).not.toHaveBeenCalled();
  });
});

describe('kyHooks with real ky', () => {
  it('on a 401: exactly one token request, and the replay carries the new token and the same JSON body', async () => {
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const client = ky.create({ prefixUrl: api.origin, hooks: kyHooks(ky, tokens, { baseUrl: api.origin }) });
    const body = await client.post('orders', { json: { item: 42 } }).json();
    expect(body).toEqual({ stored: '{"item":42}' });
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(api.seen.map((seen) => [seen.authorization, seen.body])).toEqual([
      ['Bearer at-0', '{"item":42}'],
      ['Bearer at-1', '{"item":42}'],
    ]);
  });

  it.each([302, 307])(
    'a 401 from another origin ky’s fetch was redirected to (%i) invalidates nothing and refreshes nothing',
    async (status) => {
      const { tokens, fetchTokens } = await countingTokens();
      managers.push(tokens);
      const invalidate = vi.spyOn(tokens, 'invalidate');
      const client = ky.create({
        prefixUrl: api.origin,
        hooks: kyHooks(ky, tokens, { baseUrl: api.origin }),
      });
      const error = await client
        .post('redirect', { searchParams: { status, to: `${other.origin}/x` }, body: 'payload' })
        .then(
          () => expect.fail('resolved'),
          (reason: { response?: Response }) => reason,
        );
      expect(error.response?.status).toBe(401);
      expect(error.response?.url).toBe(`${other.origin}/x`);
      expect(invalidate).not.toHaveBeenCalled();
      expect(fetchTokens).not.toHaveBeenCalled();
      expect(api.seen).toHaveLength(1); // never retried
    },
  );
  it('a custom token header never reaches another origin ky’s fetch would be redirected to', async () => {
    const leaked: unknown[] = [];
    const thief = await serve((_seen, res, req) => {
      leaked.push(req.headers['x-api-token']);
      res.writeHead(200).end();
    });
    const start = await serve((_seen, res) =>
      res.writeHead(302, { Location: `${thief.origin}/steal` }).end(),
    );
    const { tokens } = await countingTokens();
    managers.push(tokens);
    const client = ky.create({
      retry: { limit: 2, delay: () => 0 },
      hooks: kyHooks(ky, tokens, { origins: start.origin, header: 'X-Api-Token' }),
    });
    await expect(client.get(`${start.origin}/start`)).rejects.toThrow(TypeError);
    expect(start.seen).toHaveLength(3); // ky's own retries of the failed fetch: none followed either
    expect(leaked).toEqual([]);
  });

  it('a 401 from a second allowed origin, where undici stripped Authorization, invalidates nothing and refreshes nothing', async () => {
    const second = await serve((seen, res) =>
      res.writeHead(seen.authorization === 'Bearer at-0' ? 200 : 401).end(),
    );
    const first = await serve((_seen, res) => res.writeHead(302, { Location: `${second.origin}/x` }).end());
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const invalidate = vi.spyOn(tokens, 'invalidate');
    const client = ky.create({ hooks: kyHooks(ky, tokens, { origins: [first.origin, second.origin] }) });
    const error = await client.get(`${first.origin}/start`).then(
      () => expect.fail('resolved'),
      (reason: { response?: Response }) => reason,
    );
    expect(error.response?.status).toBe(401);
    expect(second.seen.map((seen) => seen.authorization)).toEqual([null]);
    expect(invalidate).not.toHaveBeenCalled();
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(first.seen).toHaveLength(1); // never retried
  });
});
