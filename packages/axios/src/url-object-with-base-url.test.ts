import type { TokenManager } from '@tessera/core';
import { failUnhandledRequest } from '@tessera/testing';
import axios, { type AxiosInstance } from 'axios';
import axios17 from 'axios-1-7';
import axios112 from 'axios-1-12';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { attachTokenManager } from './attach-token-manager.js';

// A `URL` object as `url` on an instance with a `baseURL`, sent by axios's own http adapter: the
// token goes exactly where each axios version sends (1.7 and 1.12: to the URL; 1.21: nowhere, it throws).
const baseURL = 'https://api.example.com';
const received: Array<[origin: string, authorization: string | null]> = [];
const server = setupServer(
  ...[baseURL, 'https://evil.test'].map((origin) =>
    http.all(`${origin}/*`, ({ request }) => {
      received.push([origin, request.headers.get('authorization')]);
      return HttpResponse.json({ ok: true });
    }),
  ),
);
const managers: TokenManager[] = [];

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
  received.length = 0;
});
afterAll(() => server.close());

type Create = (config: { baseURL: string; adapter: 'http' }) => unknown;

async function attached(create: Create, base = baseURL): Promise<AxiosInstance> {
  const { tokens } = await countingTokens();
  managers.push(tokens);
  const instance = create({ baseURL: base, adapter: 'http' }) as AxiosInstance;
  attachTokenManager(instance, tokens, { origins: baseURL });
  return instance;
}

/** What a request ended with: the status, or the error's name when axios sent nothing. */
const outcome = (request: Promise<{ status: number }>) =>
  request.then(
    (response) => response.status,
    (error: Error) => error.name,
  );

describe.each([
  ['axios 1.7.9', ((config) => axios17.create(config)) as Create],
  ['axios 1.12.0', ((config) => axios112.create(config)) as Create],
])('with %s, which sends a URL object to itself over baseURL', (_name, create) => {
  it('sends the token with a URL object to the allowed origin, and none to another origin', async () => {
    const instance = await attached(create);
    expect(await outcome(instance.get(new URL(`${baseURL}/orders`) as never))).toBe(200);
    expect(await outcome(instance.get(new URL('https://evil.test/x') as never))).toBe(200);
    expect(received).toEqual([
      [baseURL, 'Bearer at-0'],
      ['https://evil.test', null],
    ]);
  });

  it('sends the token with a URL object to the allowed origin when baseURL is another origin', async () => {
    const instance = await attached(create, 'https://evil.test/v1');
    expect(await outcome(instance.get(new URL(`${baseURL}/orders`) as never))).toBe(200);
    expect(received).toEqual([[baseURL, 'Bearer at-0']]);
  });
});

describe('with axios 1.12.0 and allowAbsoluteUrls', () => {
  it('sends nothing anywhere when it is false or a falsy non-boolean (axios cannot combine a URL object)', async () => {
    const instance = await attached((config) => axios112.create(config));
    for (const allowAbsoluteUrls of [false, '', 0]) {
      const sent = instance.get(new URL(`${baseURL}/orders`) as never, { allowAbsoluteUrls } as never);
      expect(await outcome(sent)).toBe('TypeError');
    }
    expect(
      await outcome(instance.get(new URL(`${baseURL}/orders`) as never, { allowAbsoluteUrls: true })),
    ).toBe(200);
    expect(received).toEqual([[baseURL, 'Bearer at-0']]);
  });
});

describe('with the newest axios, which cannot combine a URL object with baseURL', () => {
  it('sends nothing, so there is no token to put anywhere', async () => {
    const instance = await attached((config) => axios.create(config));
    expect(await outcome(instance.get(new URL(`${baseURL}/orders`) as never))).toBe('TypeError');
    expect(received).toEqual([]);
  });
});
