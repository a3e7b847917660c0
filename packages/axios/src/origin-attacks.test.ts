import type { TokenManager } from '@tessera/core';
import { createDPoP } from '@tessera/dpop';
import { failUnhandledRequest } from '@tessera/testing';
import axios, { type AxiosInstance } from 'axios';
import axios112 from 'axios-1-12';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { deferred } from '../../e2e-support/test-support/deferred.js';
import { attachTokenManager } from './attach-token-manager.js';

// Hostile URL forms against the origin policy, sent by axios's own http adapter (msw sees the host
// the request really reached), directly and as the Location of a 302 from the API.
const API = 'https://api.example.com';
const received: Array<[host: string, authorization: string | null]> = [];
const server = setupServer(
  http.all('*', ({ request }) => {
    const url = new URL(request.url);
    if (url.pathname === '/redirect') {
      return new HttpResponse(null, {
        status: 302,
        headers: { Location: url.searchParams.get('to') ?? '/' },
      });
    }
    received.push([url.host, request.headers.get('authorization')]);
    return HttpResponse.json({ ok: true });
  }),
);
const managers: TokenManager[] = [];
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  for (const tokens of managers.splice(0)) tokens.dispose();
  received.length = 0;
});
afterAll(() => server.close());

/** Each form, the host it reached (`evil.com` stands for any host not allowed) and whether the token went. */
const forms: Array<[url: string, host: string, token: boolean]> = [
  ['https://api.example.com.evil.com/x', 'api.example.com.evil.com', false],
  ['https://evil.com\\@api.example.com/x', 'evil.com', false],
  ['HTTPS://API.EXAMPLE.COM/x', 'api.example.com', true],
  ['https://api.example.com:443/x', 'api.example.com', true],
  ['https://api.example.com:8443/x', 'api.example.com:8443', false],
  ['https://api.example.com./x', 'api.example.com.', false],
  ['https://api.exa\tmple.com/x', 'api.example.com', true],
  ['https://api.example.com\t.evil.com/x', 'api.example.com.evil.com', false],
  ['https://[::ffff:127.0.0.1]/x', '[::ffff:7f00:1]', false],
  ['https://apiXexample.com/x', 'apixexample.com', false],
];

async function attached(create: () => AxiosInstance, origins?: string) {
  const { tokens } = await countingTokens();
  managers.push(tokens);
  const instance = create();
  attachTokenManager(instance, tokens, origins ? { origins } : {});
  return instance;
}

describe.each([
  ['axios (newest)', axios],
  ['axios 1.12.0', axios112 as unknown as typeof axios],
])('hostile URL forms with %s and the http adapter', (_name, ax) => {
  it.each([
    ['origins', () => ax.create({ adapter: 'http' }), API],
    ['baseURL', () => ax.create({ adapter: 'http', baseURL: API }), undefined],
  ])(
    'sends the token only where the WHATWG parser puts the allowed origin (%s), directly and after a 302',
    async (_, create, origins) => {
      const instance = await attached(create, origins);
      for (const [url, host, token] of forms) {
        for (const target of [url, `${API}/redirect?to=${encodeURIComponent(url)}`]) {
          received.length = 0;
          await instance.get(target);
          expect([url, received]).toEqual([url, [[host, token ? 'Bearer at-0' : null]]]);
        }
      }
      // User info: axios sends it as Basic credentials, never with the token (decision 0211).
      for (const url of ['https://api.example.com@evil.com/x', 'https://api.example.com\n@evil.com/x']) {
        received.length = 0;
        await instance.get(url);
        expect(received).toEqual([['evil.com', 'Basic YXBpLmV4YW1wbGUuY29tOg==']]);
      }
    },
  );
});

describe('a URL object changed in place while the request waits for a refresh', () => {
  it('goes where it now points without the token (http adapter, axios newest and 1.12.0)', async () => {
    for (const ax of [axios, axios112 as unknown as typeof axios]) {
      let now = 1_700_000_000_000;
      const gate = deferred();
      const { tokens, fetchTokens } = await countingTokens({ clock: () => now, gate: gate.promise });
      managers.push(tokens);
      now += 301_000; // at-0 has expired: the request waits for at-1
      const instance = ax.create({ adapter: 'http' });
      attachTokenManager(instance, tokens, { origins: API });
      const target = new URL(`${API}/orders`);
      const sent = instance.get(target as never);
      await expect.poll(() => fetchTokens.mock.calls.length).toBe(1); // judged allowed, waiting
      target.host = 'evil.com'; // the caller reuses its URL object for another call
      gate.resolve();
      expect((await sent).status).toBe(200);
      expect(received.splice(0)).toEqual([['evil.com', null]]);
      target.host = 'api.example.com';
      await instance.get(target as never);
      expect(received.splice(0)).toEqual([['api.example.com', 'Bearer at-1']]);
    }
  });
});

describe('a URL object changed in place while the DPoP proof is signed', () => {
  it('goes where it now points with neither the token nor the proof, and its 401 refreshes nothing', async () => {
    const { tokens, fetchTokens } = await countingTokens({ tokenType: 'DPoP', tokenTypes: ['DPoP'] });
    managers.push(tokens);
    const dpop = createDPoP();
    const signing = deferred();
    const authorize = dpop.authorize;
    vi.spyOn(dpop, 'authorize').mockImplementationOnce(async (...args) => {
      await signing.promise;
      return authorize(...args);
    });
    const instance = axios.create({ adapter: 'http' });
    attachTokenManager(instance, tokens, { origins: API, senderConstraint: dpop });
    const seen: Array<[string, string | null, boolean]> = [];
    server.use(
      http.all('*', ({ request }) => {
        seen.push([
          new URL(request.url).host,
          request.headers.get('authorization'),
          request.headers.has('dpop'),
        ]);
        return new HttpResponse(null, { status: 401, headers: { 'WWW-Authenticate': 'DPoP' } });
      }),
    );
    const target = new URL(`${API}/orders`);
    const sent = instance.get(target as never).catch((error: { response?: { status: number } }) => error);
    await expect.poll(() => vi.mocked(dpop.authorize).mock.calls.length).toBe(1); // judged allowed, signing
    target.host = 'evil.com';
    signing.resolve();
    expect(((await sent) as { response?: { status: number } }).response?.status).toBe(401);
    expect(seen).toEqual([['evil.com', null, false]]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });
});
