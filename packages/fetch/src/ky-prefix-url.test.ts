import type { TokenManager } from '@tessera/core';
import ky from 'ky';
import { afterEach, describe, expect, it } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { kyHooks } from './ky-hooks.js';
import type { WithTokensOptions } from './with-tokens-options.js';

// ky's `prefixUrl` is not the allowed origin (decision 0903): ky hands the hooks an absolute URL, but
// a per-call `prefixUrl` could name any host, and the hooks cannot tell it from the instance's.
const API = 'https://api.example.com';
const managers: TokenManager[] = [];
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
});

async function setup(options?: WithTokensOptions) {
  const { tokens, fetchTokens } = await countingTokens();
  managers.push(tokens);
  const seen: Array<[string, string | null]> = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    seen.push([request.url, request.headers.get('authorization')]);
    return new Response('{}', { status: 200 });
  };
  const hooks = kyHooks(ky, tokens, options);
  const urls: string[] = [];
  const client = ky.create({
    prefixUrl: `${API}/v1`,
    fetch,
    hooks: {
      beforeRequest: [(request) => void urls.push(request.url), ...hooks.beforeRequest],
      afterResponse: hooks.afterResponse,
    },
  });
  return { client, seen, urls, fetchTokens };
}

describe('kyHooks with ky’s prefixUrl (Node)', () => {
  it('with only prefixUrl: the hooks see ky’s absolute URL, yet no token goes (no origin is allowed in Node)', async () => {
    const { client, seen, urls, fetchTokens } = await setup();
    expect((await client.get('orders')).status).toBe(200);
    expect(urls).toEqual([`${API}/v1/orders`]);
    expect(seen).toEqual([[`${API}/v1/orders`, null]]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it.each([
    ['origins', { origins: API }],
    ['baseUrl', { baseUrl: `${API}/v1/` }],
  ])('with %s beside prefixUrl (as the README shows): the token goes', async (_name, options) => {
    const { client, seen, fetchTokens } = await setup(options);
    expect((await client.get('orders')).status).toBe(200);
    expect(seen).toEqual([[`${API}/v1/orders`, 'Bearer at-0']]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('a per-call prefixUrl to another host gets no token: why prefixUrl is never the default origin', async () => {
    const { client, seen } = await setup({ origins: API });
    await client.get('orders', { prefixUrl: 'https://other.example' });
    expect(seen).toEqual([['https://other.example/orders', null]]);
  });
});
