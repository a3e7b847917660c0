import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import type { TokenManager } from '@tessera/core';
import { createDPoP } from '@tessera/dpop';
import axios, { type AxiosError, type AxiosInstance, type CreateAxiosDefaults } from 'axios';
import axios112 from 'axios-1-12';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readProof } from '../../dpop/test/read-proof.js';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { loopbackServer } from '../../e2e-support/test-support/loopback-server.js';
import type { LoopbackOrigin } from '../../e2e-support/test-support/redirecting-api.js';
import { attachTokenManager } from '../src/attach-token-manager.js';
import type { AttachTokenManagerOptions } from '../src/attach-token-manager-options.js';

// A DPoP proof names one method and one URL, so a redirect hop needs a proof of its own. With the
// http adapter, follow-redirects follows hops synchronously and cannot sign one: Tessera follows
// the hops of a sender-constrained request itself (decision 0210). Real servers on 127.0.0.1.
let api: LoopbackOrigin;
let other: LoopbackOrigin;
/** The API's own server under another origin (`localhost` instead of `127.0.0.1`). */
let alias: string;
/** The `Cookie` header of each request, in arrival order, over both servers. */
const cookies: Array<string | null> = [];
/** The same for `Proxy-Authorization`, and for `X-Hop` (set by a caller's `beforeRedirect`). */
const proxyAuthorizations: Array<string | null> = [];
const hopMarks: Array<string | null> = [];
const managers: TokenManager[] = [];

beforeAll(async () => {
  api = await loopbackServer((seen, res, req) => {
    cookies.push(req.headers.cookie ?? null);
    proxyAuthorizations.push(req.headers['proxy-authorization'] ?? null);
    hopMarks.push((req.headers['x-hop'] as string | undefined) ?? null);
    const url = new URL(seen.path, 'http://x');
    const to = url.searchParams.get('to');
    if (url.pathname === '/go' && to) {
      res.writeHead(Number(url.searchParams.get('status') ?? 302), { Location: to }).end();
    } else if (url.pathname === '/loop') {
      res.writeHead(302, { Location: '/loop' }).end();
    } else if (url.pathname === '/expired' ? seen.authorization !== 'DPoP at-1' : !seen.authorization) {
      res.writeHead(401, { 'WWW-Authenticate': 'DPoP error="invalid_token"' }).end();
    } else {
      res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ method: seen.method, body: seen.body }));
    }
  });
  other = await loopbackServer((seen, res, req) => {
    cookies.push(req.headers.cookie ?? null);
    proxyAuthorizations.push(req.headers['proxy-authorization'] ?? null);
    hopMarks.push((req.headers['x-hop'] as string | undefined) ?? null);
    const to = new URL(seen.path, 'http://x').searchParams.get('to');
    if (to)
      res.writeHead(302, { Location: to }).end(); // `/bounce?to=<url>`: on to somewhere else
    else res.writeHead(401, { 'WWW-Authenticate': 'Bearer' }).end();
  });
  alias = `http://localhost:${api.port}`;
});
afterAll(async () => {
  await api.close();
  await other.close();
});
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
  api.seen.length = 0;
  other.seen.length = 0;
  cookies.length = 0;
  proxyAuthorizations.length = 0;
  hopMarks.length = 0;
});

/** The claims of every proof the API saw, verified with jose against the embedded key. */
const proofs = async () =>
  (await Promise.all(api.seen.map((seen) => readProof(seen.dpop)))).map((proof) => proof.claims);
const fail = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail('resolved'),
    (error: AxiosError) => error,
  );

const clients = [
  ['the http adapter, newest axios', axios.create.bind(axios), 'http'],
  [
    'the http adapter, axios 1.12.0',
    axios112.create.bind(axios112) as unknown as typeof axios.create,
    'http',
  ],
  ['the fetch adapter, newest axios (maxRedirects: 0 is honoured there)', axios.create.bind(axios), 'fetch'],
] as const;

describe.each(clients)('DPoP redirects through %s', (_name, create, adapter) => {
  async function setup(
    options: AttachTokenManagerOptions = {},
    extra: CreateAxiosDefaults = {},
    before: (client: AxiosInstance) => void = () => {},
  ) {
    const counted = await countingTokens({ tokenType: 'DPoP', tokenTypes: ['DPoP'] });
    managers.push(counted.tokens);
    const client: AxiosInstance = create({ baseURL: api.origin, adapter, ...extra });
    before(client); // interceptors registered before the attachment run after it
    attachTokenManager(client, counted.tokens, { senderConstraint: createDPoP(), ...options });
    const invalidate = vi.spyOn(counted.tokens, 'invalidate');
    return { client, invalidate, fetchTokens: counted.fetchTokens };
  }

  it.each([
    [307, 'POST', '"payload"'],
    [308, 'POST', '"payload"'],
    [303, 'GET', ''],
    [302, 'GET', ''],
  ])(
    'a same-origin %i of a POST: the next hop is a %s with a fresh proof for its own method and URL',
    async (status, method, body) => {
      const { client, fetchTokens } = await setup();
      const response = await client.post('/go', 'payload', {
        params: { to: '/orders/', status },
        headers: { 'Content-Type': 'application/json' },
      });
      expect(response.data).toEqual({ method, body });
      expect(api.seen.map((seen) => [seen.path.split('?')[0], seen.method, seen.authorization])).toEqual([
        ['/go', 'POST', 'DPoP at-0'],
        ['/orders/', method, 'DPoP at-0'],
      ]);
      const [first, second] = await proofs();
      expect([first?.htm, first?.htu]).toEqual(['POST', `${api.origin}/go`]);
      expect([second?.htm, second?.htu]).toEqual([method, `${api.origin}/orders/`]);
      expect(second?.jti).not.toBe(first?.jti);
      expect(second?.ath).toBe(first?.ath);
      expect(fetchTokens).not.toHaveBeenCalled();
    },
  );

  it('200 concurrent redirected POSTs: 400 distinct proofs, each for its hop, and no token request', async () => {
    const { client, fetchTokens } = await setup();
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        client.post('/go', { i }, { params: { to: `/orders/${i}`, status: 307 } }),
      ),
    );
    expect(responses.every((response) => response.status === 200)).toBe(true);
    const claims = await proofs();
    expect(claims).toHaveLength(400);
    expect(new Set(claims.map((proof) => proof.jti)).size).toBe(400);
    const paths = api.seen.map((seen) => `${api.origin}${seen.path.split('?')[0]}`);
    expect(claims.every((proof, i) => proof.htu === paths[i])).toBe(true);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it.each([302, 307])(
    'a %i to an origin the policy does not allow: no token, no proof, no cookie there; its 401 refreshes nothing',
    async (status) => {
      const { client, fetchTokens, invalidate } = await setup();
      const error = await fail(
        client.post('/go', 'payload', {
          params: { to: `${other.origin}/x`, status },
          headers: { Cookie: 'session=s3cret' },
        }),
      );
      expect(error.response?.status).toBe(401);
      expect(other.seen.map((seen) => [seen.authorization, seen.dpop])).toEqual([[null, null]]);
      expect(cookies).toEqual(['session=s3cret', null]);
      expect(invalidate).not.toHaveBeenCalled();
      expect(fetchTokens).not.toHaveBeenCalled();
    },
  );

  it('a chain through an origin the policy does not allow is followed to its end, and the token never comes back (api → other → api)', async () => {
    const { client, fetchTokens, invalidate } = await setup();
    const error = await fail(
      client.post('/go', 'payload', {
        params: { to: `${other.origin}/bounce?to=${api.origin}/final`, status: 307 },
      }),
    );
    expect(error.response?.status).toBe(401); // /final refuses a request without a token
    expect(api.seen.map((seen) => [seen.path.split('?')[0], seen.authorization, seen.dpop !== null])).toEqual(
      [
        ['/go', 'DPoP at-0', true],
        ['/final', null, false], // after a hop it was withheld at: never put back, as follow-redirects does
      ],
    );
    expect(other.seen.map((seen) => [seen.authorization, seen.dpop])).toEqual([[null, null]]);
    expect(JSON.stringify(error)).not.toContain('at-0');
    expect(invalidate).not.toHaveBeenCalled();
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('the same chain with a validateStatus that accepts 3xx: the token never comes back either', async () => {
    const { client } = await setup({}, { validateStatus: (status) => status < 400 || status === 401 });
    const response = await client.get('/go', {
      params: { to: `${other.origin}/bounce?to=${api.origin}/final` },
    });
    expect(response.status).toBe(401);
    expect(api.seen.map((seen) => [seen.path.split('?')[0], seen.authorization])).toEqual([
      ['/go', 'DPoP at-0'],
      ['/final', null],
    ]);
  });

  it('withheld at a hop whose Location the policy does not allow, never put back: not even when an interceptor after ours sent that hop to an allowed origin', async () => {
    // A rewriting interceptor (registered first, so it runs after ours): the Location names a host the
    // policy does not allow, the request goes to the API instead. The token was withheld for that hop
    // (judged on its Location), and the hop after it gets none either, as after any hop it was withheld at.
    const rewrite = 'http://rewritten.invalid';
    const { client, fetchTokens } = await setup({}, {}, (instance) => {
      instance.interceptors.request.use((config) => {
        if (config.url?.startsWith(rewrite)) config.url = api.origin + config.url.slice(rewrite.length);
        return config;
      });
    });
    const error = await fail(
      client.post('/go', 'payload', {
        params: { to: `${rewrite}/go?to=${encodeURIComponent(`${api.origin}/final`)}`, status: 307 },
      }),
    );
    expect(error.response?.status).toBe(401); // /final refuses a request without a token
    expect(api.seen.map((seen) => [seen.path.split('?')[0], seen.authorization, seen.dpop !== null])).toEqual(
      [
        ['/go', 'DPoP at-0', true],
        ['/go', null, false], // the rewritten hop
        ['/final', null, false],
      ],
    );
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('instance default Cookie and Proxy-Authorization never follow a hop to another origin', async () => {
    const { client } = await setup();
    client.defaults.headers.common.Cookie = 'session=s3cret';
    client.defaults.headers.common['Proxy-Authorization'] = 'Basic cHJveHk6cHc=';
    await fail(client.get('/go', { params: { to: `${other.origin}/x` } }));
    expect(cookies).toEqual(['session=s3cret', null]);
    expect(other.seen.map((seen) => [seen.authorization, seen.dpop])).toEqual([[null, null]]);
    expect(proxyAuthorizations).toEqual(['Basic cHJveHk6cHc=', null]);
  });

  it('runs the caller’s beforeRedirect for each hop Tessera follows, with the hop’s URL and method; its header changes are kept', async () => {
    const seen: Array<[unknown, unknown, unknown]> = [];
    const beforeRedirect = vi.fn((options: Record<string, unknown>, response: { statusCode?: number }) => {
      seen.push([options.href, options.method, response.statusCode]);
      (options.headers as Record<string, string>)['X-Hop'] = 'marked';
    });
    const { client } = await setup({}, { beforeRedirect } as CreateAxiosDefaults);
    await client.post('/go', 'payload', { params: { to: '/orders/', status: 307 } });
    expect(seen).toEqual([[`${api.origin}/orders/`, 'POST', 307]]);
    expect(hopMarks).toEqual([null, 'marked']);
  });

  it('a beforeRedirect that throws (an SSRF guard) stops the redirect: the hop is never sent, the error says why', async () => {
    const beforeRedirect = (options: Record<string, unknown>) => {
      if (String(options.href).startsWith(other.origin))
        throw new Error('redirect to an internal host refused');
    };
    const { client } = await setup({}, { beforeRedirect } as CreateAxiosDefaults);
    const error = await fail(client.get('/go', { params: { to: `${other.origin}/x` } }));
    expect(error.message).toContain('redirect to an internal host refused');
    expect(other.seen).toEqual([]);
    expect(JSON.stringify(error)).not.toContain('at-0');
  });

  it('a second origin the policy allows gets the token and a proof for its URL, but not the cookie', async () => {
    const { client } = await setup({ origins: [api.origin, alias] });
    const response = await client.get('/go', {
      params: { to: `${alias}/orders` },
      headers: { Cookie: 'session=s3cret' },
    });
    expect(response.status).toBe(200);
    expect(api.seen.map((seen) => [seen.host.replace(String(api.port), 'API'), seen.authorization])).toEqual([
      ['127.0.0.1:API', 'DPoP at-0'],
      ['localhost:API', 'DPoP at-0'],
    ]);
    expect((await proofs()).map((proof) => proof.htu)).toEqual([`${api.origin}/go`, `${alias}/orders`]);
    expect(cookies).toEqual(['session=s3cret', null]);
  });

  it('a 401 at the hop refreshes once and replays the hop with the new token and a proof for it', async () => {
    const { client, fetchTokens, invalidate } = await setup();
    const response = await client.get('/go', { params: { to: '/expired' } });
    expect(response.status).toBe(200);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(invalidate.mock.calls).toEqual([['at-0']]);
    expect(api.seen.map((seen) => [seen.path.split('?')[0], seen.authorization])).toEqual([
      ['/go', 'DPoP at-0'],
      ['/expired', 'DPoP at-0'],
      ['/expired', 'DPoP at-1'],
    ]);
    const claims = await proofs();
    expect(claims.map((proof) => proof.htu)).toEqual([
      `${api.origin}/go`,
      `${api.origin}/expired`,
      `${api.origin}/expired`,
    ]);
    expect(claims[2]?.ath).not.toBe(claims[1]?.ath);
  });

  it('keeps the caller’s maxRedirects: past it, ERR_FR_TOO_MANY_REDIRECTS, without the token or a proof in it', async () => {
    const { client, fetchTokens } = await setup({}, { maxRedirects: 3 });
    const error = await fail(client.get('/loop'));
    expect(error.code).toBe('ERR_FR_TOO_MANY_REDIRECTS');
    expect(api.seen).toHaveLength(4);
    const proofsSent = api.seen.map((seen) => seen.dpop ?? '');
    for (const shown of [JSON.stringify(error), inspect(error, { depth: 8 })]) {
      expect(shown).not.toContain('at-0');
      for (const proof of proofsSent) expect(shown).not.toContain(proof);
    }
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('responseType stream: the final hop’s body is handed over, the redirect’s own is released', async () => {
    const { client } = await setup();
    const response = await client.post('/go', 'payload', {
      params: { to: '/orders/', status: 307 },
      headers: { 'Content-Type': 'text/plain' },
      responseType: 'stream',
    });
    const chunks: string[] = [];
    const data = response.data as AsyncIterable<Uint8Array | string>;
    for await (const chunk of data)
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    expect(JSON.parse(chunks.join(''))).toEqual({ method: 'POST', body: 'payload' });
    expect(api.seen).toHaveLength(2);
  });

  it.each(['file:///etc/passwd', 'data:text/plain,hi', 'javascript:alert(1)', 'http://[not-a-host/x'])(
    'a Location that is not an http(s) URL (%s) fails as follow-redirects fails it, even where a 3xx is a valid status; nothing more is sent',
    async (to) => {
      const { client, fetchTokens } = await setup({}, { validateStatus: () => true });
      const error = await fail(client.get('/go', { params: { to } }));
      expect([error.code, error.message]).toEqual([
        'ERR_FR_REDIRECTION_FAILURE',
        'Redirected request failed: location is not an http(s) URL',
      ]);
      expect(api.seen).toHaveLength(1);
      expect(other.seen).toHaveLength(0);
      const proof = api.seen[0]?.dpop as string;
      for (const shown of [JSON.stringify(error), inspect(error, { depth: 8 })]) {
        expect(shown).not.toContain('at-0');
        expect(shown).not.toContain(proof);
      }
      expect(fetchTokens).not.toHaveBeenCalled();
    },
  );

  it('an instance with allowAbsoluteUrls: false still follows to the absolute Location', async () => {
    const { client } = await setup({}, { allowAbsoluteUrls: false });
    const response = await client.get('/go', { params: { to: `${api.origin}/orders/` } });
    expect(response.status).toBe(200);
    expect(api.seen.map((seen) => seen.path.split('?')[0])).toEqual(['/go', '/orders/']);
  });

  it('the hop goes to the Location as it is: no params of the request or the instance are added', async () => {
    const { client } = await setup({}, { params: { key: 'instance' } });
    await client.get('/go', { params: { to: '/orders/?page=2' } });
    expect(api.seen.map((seen) => seen.path)).toEqual([
      `/go?key=instance&to=${encodeURIComponent('/orders/?page=2')}`,
      '/orders/?page=2',
    ]);
  });

  it('a caller’s maxRedirects: 0 gets the 3xx itself, followed by no one', async () => {
    const { client } = await setup({}, { maxRedirects: 0 });
    const error = await fail(client.get('/go', { params: { to: '/orders/' } }));
    expect(error.response?.status).toBe(302);
    expect(api.seen).toHaveLength(1);
  });
});

describe('DPoP redirects: what Tessera leaves to follow-redirects', () => {
  it('a stream body is followed by follow-redirects, sent in full, with the first hop’s proof (documented)', async () => {
    const counted = await countingTokens({ tokenType: 'DPoP', tokenTypes: ['DPoP'] });
    managers.push(counted.tokens);
    const client = axios.create({ baseURL: api.origin, adapter: 'http' });
    attachTokenManager(client, counted.tokens, { senderConstraint: createDPoP() });
    const response = await client.post('/go', Readable.from(['chunk-1,', 'chunk-2']), {
      params: { to: '/orders/', status: 307 },
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(response.data).toEqual({ method: 'POST', body: 'chunk-1,chunk-2' });
    expect(api.seen.map((seen) => seen.body)).toEqual(['chunk-1,chunk-2', 'chunk-1,chunk-2']);
    expect((await proofs()).map((proof) => proof.htu)).toEqual([`${api.origin}/go`, `${api.origin}/go`]);
  });

  it('a bearer request is not touched: follow-redirects follows, maxRedirects stays the caller’s', async () => {
    const counted = await countingTokens();
    managers.push(counted.tokens);
    const client = axios.create({ baseURL: api.origin, adapter: 'http' });
    attachTokenManager(client, counted.tokens);
    const response = await client.get('/go', { params: { to: '/orders/' } });
    expect(response.status).toBe(200);
    expect(response.config.maxRedirects).toBeUndefined();
    expect('tesseraRedirectsLeft' in response.config).toBe(false);
  });
});

describe.each(clients.slice(0, 2))('DPoP redirects with a transport of the caller’s, %s', (_name, create) => {
  // follow-redirects' own `http`, as a caller passes it to set its options: axios then ignores `maxRedirects: 0`.
  const followRedirects = createRequire(createRequire(import.meta.url).resolve('axios'))('follow-redirects');

  it.each([
    [307, 'POST', '/orders/'],
    [303, 'GET', '/orders/'],
    [307, 'POST', 'alias'],
  ])(
    'a %i: Tessera follows it, the hop is a %s to %s with a fresh proof for its own URL',
    async (status, method, to) => {
      const counted = await countingTokens({ tokenType: 'DPoP', tokenTypes: ['DPoP'] });
      managers.push(counted.tokens);
      const client = create({ baseURL: api.origin, adapter: 'http', transport: followRedirects.http });
      attachTokenManager(client, counted.tokens, {
        senderConstraint: createDPoP(),
        origins: [api.origin, alias],
      });
      const target = to === 'alias' ? `${alias}/orders/` : `${api.origin}${to}`;
      const response = await client.post('/go', 'payload', { params: { to: target, status } });
      expect(response.status).toBe(200);
      expect(api.seen.map((seen) => [seen.method, seen.authorization])).toEqual([
        ['POST', 'DPoP at-0'],
        [method, 'DPoP at-0'],
      ]);
      expect((await proofs()).map((proof) => [proof.htm, proof.htu])).toEqual([
        ['POST', `${api.origin}/go`],
        [method, target],
      ]);
      expect(counted.fetchTokens).not.toHaveBeenCalled();
    },
  );

  /** A DPoP client with follow-redirects' own `transport` and the caller's `maxRedirects`. */
  const withCallerTransport = async (maxRedirects: number) => {
    const counted = await countingTokens({ tokenType: 'DPoP', tokenTypes: ['DPoP'] });
    managers.push(counted.tokens);
    const client = create({
      baseURL: api.origin,
      adapter: 'http',
      transport: followRedirects.http,
      maxRedirects,
    });
    attachTokenManager(client, counted.tokens, { senderConstraint: createDPoP() });
    return client;
  };

  it('a caller’s maxRedirects: 0 gets the 3xx itself, followed by no one', async () => {
    const client = await withCallerTransport(0);
    const error = await fail(client.get('/go', { params: { to: '/orders/' } }));
    expect(error.response?.status).toBe(302);
    expect(api.seen).toHaveLength(1);
  });

  it('a caller’s maxRedirects: 1 is kept, where axios hands the transport no limit (follow-redirects’ 21)', async () => {
    const client = await withCallerTransport(1);
    const twoHops = `/go?to=${encodeURIComponent('/go?to=/orders/')}`;
    const error = await fail(client.get(twoHops));
    expect(error.code).toBe('ERR_FR_TOO_MANY_REDIRECTS');
    expect(api.seen.map((seen) => seen.path)).toEqual([twoHops, '/go?to=/orders/']);
  });
});
