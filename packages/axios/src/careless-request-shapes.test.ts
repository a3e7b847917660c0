import { Readable } from 'node:stream';
import type { TokenManager } from '@tessera/core';
import { failUnhandledRequest } from '@tessera/testing';
import axios, { type AxiosInstance } from 'axios';
import axios112 from 'axios-1-12';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { attachTokenManager } from './attach-token-manager.js';

// Request shapes a careless caller (or an attacker choosing the URL) may pass, not pinned elsewhere:
// which credential reached which host, and how many token requests it cost. The API accepts only
// `at-1`, so a request the interceptor takes as its own costs one refresh and one replay.
const origin = 'https://api.example.com';
const seen: Array<[host: string, authorization: string | null, body: string]> = [];
const server = setupServer(
  http.all('https://*/*', async ({ request }) => {
    const url = new URL(request.url);
    seen.push([url.host, request.headers.get('authorization'), request.body ? await request.text() : '']);
    if (url.pathname === '/moved') {
      return new HttpResponse(null, { status: 302, headers: { Location: 'https://evil.test/x' } });
    }
    return request.headers.get('authorization') === 'Bearer at-1'
      ? HttpResponse.json({ ok: true })
      : new HttpResponse(null, {
          status: 401,
          headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
        });
  }),
);
const managers: TokenManager[] = [];
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  seen.length = 0;
  for (const tokens of managers.splice(0)) tokens.dispose();
});
afterAll(() => server.close());

const versions = [
  ['axios 1.12.0', axios112],
  ['newest axios', axios],
] as const;

describe.each(versions)('%s, http adapter', (_name, axiosOf) => {
  async function setup(baseURL?: string) {
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const client = axiosOf.create({
      adapter: 'http',
      ...(baseURL ? { baseURL } : {}),
    }) as unknown as AxiosInstance;
    attachTokenManager(client, tokens, { origins: [origin] });
    return { client, fetchTokens };
  }

  it('a URL object with user info (https://user:pass@api/…): the Basic credentials only, no token, no refresh', async () => {
    const { client, fetchTokens } = await setup();
    await expect(
      client.get(new URL(`https://user:pass@api.example.com/orders`) as never),
    ).rejects.toMatchObject({
      response: { status: 401 },
    });
    expect(seen).toEqual([['api.example.com', `Basic ${btoa('user:pass')}`, '']]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it.each([
    ['a plain object, AUTHORIZATION', () => ({ AUTHORIZATION: 'Basic x' })],
    ['a plain object, aUtHoRiZaTiOn', () => ({ aUtHoRiZaTiOn: 'Basic x' })],
    ['an AxiosHeaders', () => new axiosOf.AxiosHeaders({ authorization: 'Basic x' })],
  ])(
    'the caller’s own header in %s: sent as it is, one line, its 401 refreshes nothing',
    async (_shape, headers) => {
      const { client, fetchTokens } = await setup(origin);
      await expect(client.get('/orders', { headers: headers() as never })).rejects.toMatchObject({
        response: { status: 401 },
      });
      expect(seen).toEqual([['api.example.com', 'Basic x', '']]);
      expect(fetchTokens).not.toHaveBeenCalled();
    },
  );

  it('a transformRequest that replaces the body with a stream: sent once with the token, its 401 is the caller’s', async () => {
    const { client } = await setup(origin);
    await expect(
      client.post('/orders', { a: 1 }, { transformRequest: [() => Readable.from(['a=1'])] }),
    ).rejects.toMatchObject({ response: { status: 401 } });
    expect(seen).toEqual([['api.example.com', 'Bearer at-0', 'a=1']]);
  });

  it('maxRedirects: 0 and a redirect elsewhere: the 3xx is the caller’s, nothing reaches the other host', async () => {
    const { client, fetchTokens } = await setup(origin);
    await expect(client.get('/moved', { maxRedirects: 0 })).rejects.toMatchObject({
      response: { status: 302 },
    });
    expect(seen).toEqual([['api.example.com', 'Bearer at-0', '']]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });
});
