import { type TokenManager, TokenTypeMismatchError } from '@tessera/core';
import { createDPoP, DPoPNonceError } from '@tessera/dpop';
import { failUnhandledRequest } from '@tessera/testing';
import ky from 'ky';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readProof } from '../../dpop/test/read-proof.js';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { dpopChecker } from '../../e2e-support/test-support/dpop-checker.js';
import { kyHooks } from './ky-hooks.js';
import { withTokens } from './with-tokens.js';

const API = 'https://api.example.com';
let valid = 'at-0';
let nonce: string | undefined;
let api = dpopChecker(() => valid, { nonce: () => nonce });

const server = setupServer(
  http.all(`${API}/*`, async ({ request }) => {
    const { status, headers } = await api.check({
      method: request.method,
      url: request.url,
      authorization: request.headers.get('authorization'),
      dpop: request.headers.get('dpop'),
    });
    return new HttpResponse(status === 200 ? '{"ok":true}' : null, { status, headers });
  }),
);
const managers: TokenManager[] = [];
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  vi.useRealTimers();
  for (const tokens of managers.splice(0)) tokens.dispose();
  valid = 'at-0';
  nonce = undefined;
  api = dpopChecker(() => valid, { nonce: () => nonce });
});
afterAll(() => server.close());

const platformFetch: typeof fetch = (input, init) => globalThis.fetch(input, init);

async function setup(tokenType = 'DPoP') {
  const counted = await countingTokens({ tokenType, tokenTypes: ['DPoP', 'Bearer'] });
  managers.push(counted.tokens);
  const dpop = createDPoP();
  const invalidate = vi.spyOn(counted.tokens, 'invalidate');
  const headersFor = vi.spyOn(dpop, 'headersFor');
  const options = { baseUrl: `${API}/`, senderConstraint: dpop };
  return {
    ...counted,
    dpop,
    invalidate,
    headersFor,
    api: withTokens(platformFetch, counted.tokens, options),
    ky: ky.create({ prefixUrl: API, retry: 2, hooks: kyHooks(ky, counted.tokens, options) }),
  };
}

describe('withTokens with a senderConstraint (DPoP)', () => {
  it('sends Authorization: DPoP <token> and a fresh, valid proof per request', async () => {
    const { api: send, fetchTokens } = await setup();
    const responses = await Promise.all(Array.from({ length: 200 }, (_, i) => send(`orders/${i}?q=1`)));
    expect(responses.map((r) => r.status)).toEqual(Array(200).fill(200));
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(new Set(api.calls.map((call) => call.proof?.jti)).size).toBe(200);
    expect(api.calls[0]).toMatchObject({ authorization: 'DPoP at-0', proof: { htm: 'GET' } });
    expect(api.calls.every((call) => call.proof?.htu === call.url.split('?')[0])).toBe(true);
  });

  it('keeps its own proof when the fetch it wraps is dpop.fetch (a careless wiring): the API gets the proof with ath', async () => {
    const { tokens, dpop, fetchTokens } = await setup();
    const send = withTokens(dpop.fetch as typeof fetch, tokens, {
      baseUrl: `${API}/`,
      senderConstraint: dpop,
    });

    const response = await send('orders', { method: 'POST', body: '{"item":1}' });

    expect(response.status).toBe(200);
    expect(api.calls).toHaveLength(1);
    expect(api.calls[0]).toMatchObject({ authorization: 'DPoP at-0', proof: { htm: 'POST' }, status: 200 });
    expect(api.calls[0]?.proof?.ath).toBeDefined();
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('answers a nonce challenge with one replay with a fresh proof: no refresh, no invalidate; the next request carries the nonce', async () => {
    nonce = 'n-1';
    const { api: send, fetchTokens, invalidate } = await setup();
    const response = await send('orders', { method: 'POST', body: '{"item":1}' });
    expect(response.status).toBe(200);
    expect(api.calls.map((call) => [call.status, call.proof?.nonce, call.proof?.htm])).toEqual([
      [401, undefined, 'POST'],
      [200, 'n-1', 'POST'],
    ]);
    expect(api.calls[0]?.proof?.jti).not.toBe(api.calls[1]?.proof?.jti);
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(invalidate).not.toHaveBeenCalled();
    nonce = 'n-2'; // rotation: one more challenge, then 200
    await send('orders');
    await send('orders');
    expect(api.calls.map((call) => call.status)).toEqual([401, 200, 401, 200, 200]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('replays a 401 invalid_token once with the new token and a new proof whose ath is of the new token', async () => {
    valid = 'at-1';
    const { api: send, fetchTokens, invalidate } = await setup();
    const response = await send('orders');
    expect(response.status).toBe(200);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(invalidate.mock.calls).toEqual([['at-0']]);
    expect(api.calls.map((call) => [call.authorization, call.status])).toEqual([
      ['DPoP at-0', 401],
      ['DPoP at-1', 200],
    ]);
    expect(api.calls[0]?.proof?.ath).not.toBe(api.calls[1]?.proof?.ath);
  });

  it('after a nonce replay, a 401 invalid_token still gets the refresh-and-replay (3 sends, 1 token request)', async () => {
    nonce = 'n-1';
    valid = 'at-1';
    const { api: send, fetchTokens } = await setup();
    expect((await send('orders')).status).toBe(200);
    expect(api.calls.map((call) => [call.authorization, call.status])).toEqual([
      ['DPoP at-0', 401],
      ['DPoP at-0', 401],
      ['DPoP at-1', 200],
    ]);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('passes a 401 invalid_dpop_proof for a skewed iat to the caller (no replay, no refresh); its Date corrects the next proof there', async () => {
    const ahead = 10 * 60_000; // the API's clock, 10 min ahead of this one
    let sends = 0;
    server.use(
      http.get(`${API}/skewed`, async ({ request }) => {
        const iat = Number((await readProof(request.headers.get('dpop'))).claims.iat);
        sends++;
        const date = { Date: new Date(Date.now() + ahead).toUTCString() };
        if (Math.abs(iat - (Date.now() + ahead) / 1000) <= 60)
          return new HttpResponse(null, { headers: date });
        const challenge = { 'WWW-Authenticate': 'DPoP error="invalid_dpop_proof"', ...date };
        return new HttpResponse(null, { status: 401, headers: challenge });
      }),
    );
    const { api: send, fetchTokens, invalidate } = await setup();
    expect((await send('skewed')).status).toBe(401);
    expect((await send('skewed')).status).toBe(200);
    expect(sends).toBe(2); // no replay of the 401
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(invalidate).not.toHaveBeenCalled();
  });

  it('keeps no older nonce a cached answer brings back (browser cache: old Date, no Age): the next send costs no challenge', async () => {
    const sent: [string, number, unknown][] = [];
    const now = () => ({ Date: new Date().toUTCString() });
    server.use(
      // What a browser's HTTP cache hands back: the answer of 50 minutes ago, with that answer's nonce.
      http.get(`${API}/catalog`, async ({ request }) => {
        sent.push(['GET', 200, (await readProof(request.headers.get('dpop'))).claims.nonce]);
        const date = new Date(Date.now() - 50 * 60_000).toUTCString();
        return new HttpResponse('[]', {
          headers: { Date: date, 'Cache-Control': 'max-age=3600', 'DPoP-Nonce': 'n-old' },
        });
      }),
      http.post(`${API}/cart`, async ({ request }) => {
        const proofNonce = (await readProof(request.headers.get('dpop'))).claims.nonce;
        const status = proofNonce === 'n-now' ? 200 : 401;
        sent.push(['POST', status, proofNonce]);
        const challenge = { 'WWW-Authenticate': 'DPoP error="use_dpop_nonce"', 'DPoP-Nonce': 'n-now' };
        return new HttpResponse(null, {
          status,
          headers: status === 200 ? now() : { ...challenge, ...now() },
        });
      }),
    );
    const { api: send, fetchTokens } = await setup();

    expect((await send('cart', { method: 'POST', body: '{}' })).status).toBe(200);
    expect((await send('catalog')).status).toBe(200);
    expect((await send('cart', { method: 'POST', body: '{}' })).status).toBe(200);

    expect(sent).toEqual([
      ['POST', 401, undefined],
      ['POST', 200, 'n-now'],
      ['GET', 200, 'n-now'],
      ['POST', 200, 'n-now'],
    ]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('returns the second nonce challenge as it is: never a third request, never a refresh', async () => {
    let n = 0;
    nonce = undefined;
    api = dpopChecker(() => valid, {
      nonce: () => {
        n += 1;
        return `n-${n}`; // a new nonce for every request: a server that never accepts
      },
    });
    const { api: send, fetchTokens, invalidate } = await setup();
    const response = await send('orders');
    expect(response.status).toBe(401);
    expect(api.calls).toHaveLength(2);
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(invalidate).not.toHaveBeenCalled();
  });

  it('rejects a challenge without a readable DPoP-Nonce with DPoPNonceError: one request, no refresh', async () => {
    server.use(
      http.get(
        `${API}/bare`,
        () =>
          new HttpResponse(null, {
            status: 401,
            headers: { 'WWW-Authenticate': 'DPoP error="use_dpop_nonce"' },
          }),
        { once: true },
      ),
    );
    const { api: send, fetchTokens, invalidate } = await setup();
    const error = await send('bare').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DPoPNonceError);
    expect(error).toMatchObject({ failure: 'nonce_unreadable' });
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(invalidate).not.toHaveBeenCalled();
  });

  it('never sends a Bearer set with a DPoP constraint: TokenTypeMismatchError, nothing sent', async () => {
    const { api: send, headersFor } = await setup('Bearer');
    const error = await send('orders').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenTypeMismatchError);
    expect(error).toMatchObject({ code: 'TOKEN_TYPE_MISMATCH', expected: 'DPoP', received: 'Bearer' });
    expect((error as Error).message).not.toContain('at-0');
    expect(api.calls).toHaveLength(0);
    expect(headersFor).not.toHaveBeenCalled();
  });

  it('returns the nonce challenge of a stream body as it is (never replayed), and learns the nonce', async () => {
    nonce = 'n-1';
    const { api: send } = await setup();
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('chunk'));
        controller.close();
      },
    });
    const response = await send('upload', { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(401);
    expect((await send('orders')).status).toBe(200);
    expect(api.calls.map((call) => [call.status, call.proof?.nonce])).toEqual([
      [401, undefined],
      [200, 'n-1'],
    ]);
  });

  it('signs a followed hop for the method as fetch sends it: a lower-case patch stays patch', async () => {
    const counted = await countingTokens({ tokenType: 'DPoP', senderConstraint: createDPoP() });
    managers.push(counted.tokens);
    const sent: Array<[string, string | undefined]> = [];
    const send = withTokens(
      async (input, init) => {
        const request = new Request(input, init);
        sent.push([request.method, (await readProof(request.headers.get('dpop'))).claims.htm]);
        return sent.length === 1
          ? new Response(null, { status: 307, headers: { location: '/b' } })
          : new Response('ok');
      },
      counted.tokens,
      { baseUrl: API },
    );
    await send('/a', { method: 'patch', body: 'x' });
    expect(sent).toEqual([
      ['patch', 'patch'],
      ['patch', 'patch'],
    ]);
  });

  it('rejects a scheme beside a senderConstraint, and a senderConstraint that is not one', async () => {
    const { tokens } = await countingTokens();
    managers.push(tokens);
    expect(() => withTokens(fetch, tokens, { scheme: 'Bearer', senderConstraint: createDPoP() })).toThrow(
      'withTokens(): scheme cannot be combined with senderConstraint (the scheme is DPoP)',
    );
    expect(() => withTokens(fetch, tokens, { senderConstraint: { scheme: 'DPoP' } as never })).toThrow(
      'withTokens(): senderConstraint must be a SenderConstraint such as createDPoP() from @tessera/dpop',
    );
  });
});

describe('kyHooks with a senderConstraint (DPoP)', () => {
  it('answers a nonce challenge with one forced retry and a fresh proof, without refreshing', async () => {
    nonce = 'n-1';
    const { ky: client, fetchTokens, invalidate } = await setup();
    expect(await client.post('orders', { json: { item: 1 } }).json()).toEqual({ ok: true });
    expect(api.calls.map((call) => [call.authorization, call.status, call.proof?.nonce])).toEqual([
      ['DPoP at-0', 401, undefined],
      ['DPoP at-0', 200, 'n-1'],
    ]);
    expect(new Set(api.calls.map((call) => call.proof?.jti)).size).toBe(2);
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(invalidate).not.toHaveBeenCalled();
  });

  it.each([
    ['with a signal', { signal: new AbortController().signal }],
    ['without a signal', {}],
  ])(
    'answers a server that challenges forever with one forced retry (%s): never a third request, never a refresh',
    async (_, extra) => {
      let n = 0;
      api = dpopChecker(() => valid, {
        nonce: () => {
          n += 1;
          return `n-${n}`; // a new nonce for every request: a server that never accepts
        },
      });
      const { ky: client, fetchTokens, invalidate } = await setup();
      const error = await client
        .post('orders', { json: { item: 1 }, retry: 5, ...extra })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'HTTPError', response: { status: 401 } });
      expect(api.calls.map((call) => [call.status, call.proof?.nonce])).toEqual([
        [401, undefined],
        [401, 'n-1'],
      ]);
      expect(fetchTokens).not.toHaveBeenCalled();
      expect(invalidate).not.toHaveBeenCalled();
    },
  );

  it('answers a nonce challenge once even when ky retries the timed-out replay and your beforeRetry returns a Request', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let n = 0;
    api = dpopChecker(() => valid, {
      nonce: () => {
        n += 1;
        return `n-${n}`; // a new nonce for every request: a server that never accepts
      },
    });
    const { tokens, fetchTokens, invalidate } = await setup();
    let attempts = 0;
    let hung = false;
    const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      attempts += 1;
      const header = (name: string) => request.headers.get(name);
      const answer = await api.check({
        method: request.method,
        url: request.url,
        authorization: header('authorization'),
        dpop: header('dpop'),
      });
      if (attempts !== 2) return new Response(null, answer);
      hung = true;
      return new Promise<Response>((_resolve, reject) => {
        request.signal.addEventListener('abort', () => {
          hung = false;
          reject(request.signal.reason);
        });
      });
    };
    const client = ky.create({
      prefixUrl: API,
      fetch,
      timeout: 60_000,
      retry: { limit: 3, retryOnTimeout: true, delay: () => 0 },
      hooks: {
        ...kyHooks(ky, tokens, { baseUrl: `${API}/`, senderConstraint: createDPoP() }),
        beforeRetry: [({ request }) => new Request(request)],
      },
    });
    let settled = false;
    const result = client.get('orders').then(
      () => 200,
      (error: unknown) => (error as { response?: Response }).response?.status ?? error,
    );
    void result.finally(() => {
      settled = true;
    });
    // Proofs are signed and checked off the main thread: fake time moves 1 ms per event-loop
    // turn, and jumps by ky's timeout only while the replay hangs.
    while (!settled) {
      await vi.advanceTimersByTimeAsync(hung ? 60_000 : 1);
      await new Promise((resolve) => setImmediate(resolve));
    }
    vi.useRealTimers();
    expect(await result).toBe(401);
    expect(api.calls.map((call) => [call.status, call.proof?.nonce])).toEqual([
      [401, undefined],
      [401, 'n-1'], // the replay, judged but never answered: ky's timeout ended it
      [401, 'n-1'], // ky's retry of it: its challenge is returned, not replayed again
    ]);
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(invalidate).not.toHaveBeenCalled();
  });

  it('never sends a Bearer set with a DPoP constraint: TokenTypeMismatchError, nothing sent', async () => {
    const { ky: client, headersFor } = await setup('Bearer');
    const error = await client.get('orders').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenTypeMismatchError);
    expect(error).toMatchObject({ code: 'TOKEN_TYPE_MISMATCH', expected: 'DPoP', received: 'Bearer' });
    expect(api.calls).toHaveLength(0);
    expect(headersFor).not.toHaveBeenCalled();
  });

  it('after ky’s own retry of a 503 and a nonce replay, a token the API always rejects costs one refresh: 4 sends (the 503 and 3 the API judged), each with a fresh proof', async () => {
    nonce = 'n-1';
    valid = 'never';
    server.use(http.get(`${API}/orders`, () => new HttpResponse(null, { status: 503 }), { once: true }));
    const { tokens, fetchTokens, invalidate } = await setup();
    const client = ky.create({
      prefixUrl: API,
      retry: { limit: 9, delay: () => 0 },
      hooks: kyHooks(ky, tokens, { baseUrl: `${API}/`, senderConstraint: createDPoP() }),
    });
    const error = await client.get('orders?q=1').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'HTTPError', response: { status: 401 } });
    expect(api.calls.map((call) => [call.authorization, call.status, call.proof?.nonce])).toEqual([
      ['DPoP at-0', 401, undefined],
      ['DPoP at-0', 401, 'n-1'],
      ['DPoP at-1', 401, 'n-1'],
    ]);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(invalidate.mock.calls).toEqual([['at-0'], ['at-1']]);
    expect(new Set(api.calls.map((call) => call.proof?.jti)).size).toBe(3);
    expect(api.calls.every((call) => call.proof?.htu === `${API}/orders`)).toBe(true);
  });

  it('replays a 401 invalid_token with the new token and its ath', async () => {
    valid = 'at-1';
    const { ky: client, fetchTokens } = await setup();
    expect(await client.get('orders').json()).toEqual({ ok: true });
    expect(api.calls.map((call) => [call.authorization, call.status])).toEqual([
      ['DPoP at-0', 401],
      ['DPoP at-1', 200],
    ]);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('sends neither its Authorization nor its DPoP proof on a retry your beforeRetry moves to an origin not allowed', async () => {
    const { tokens } = await setup();
    const seen: Array<[string, string | null, string | null]> = [];
    server.use(
      http.get(`${API}/orders`, () => new HttpResponse(null, { status: 503 }), { once: true }),
      http.get('https://mirror.example.net/orders', ({ request }) => {
        seen.push([request.url, request.headers.get('authorization'), request.headers.get('dpop')]);
        return HttpResponse.json({ ok: true });
      }),
    );
    const options = { baseUrl: `${API}/`, senderConstraint: createDPoP() };
    const client = ky.create({
      prefixUrl: API,
      retry: { limit: 1, delay: () => 0 },
      hooks: {
        ...kyHooks(ky, tokens, options),
        beforeRetry: [({ request }) => new Request('https://mirror.example.net/orders', request)],
      },
    });
    expect(await client.get('orders').json()).toEqual({ ok: true });
    expect(seen).toEqual([['https://mirror.example.net/orders', null, null]]);
  });
});
