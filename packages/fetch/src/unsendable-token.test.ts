import { attachTokenManager } from '@tessera/axios';
import { MalformedResponseError, TokenManager } from '@tessera/core';
import { createDPoP } from '@tessera/dpop';
import axios, { type AxiosAdapter } from 'axios';
import ky from 'ky';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { kyHooks } from './ky-hooks.js';
import { withTokens } from './with-tokens.js';

const API = 'https://api.example.com';
/** What a broken or hostile authorization server can issue: JSON allows `\n` and `\u0000` in a string. */
const SECRET = 'secret-part';
const managers: TokenManager[] = [];
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
});

function issuing(accessToken: string) {
  const fetchTokens = vi.fn(async () => ({ access_token: accessToken, expires_in: 300 }));
  const tokens = new TokenManager({ fetchTokens, retry: false });
  managers.push(tokens);
  return tokens;
}

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('the request was sent'),
    (error: unknown) => error,
  );
}

function expectRefusedUnquoted(error: unknown) {
  expect(error).toBeInstanceOf(MalformedResponseError);
  expect(error).toMatchObject({ reason: 'invalid_field' });
  expect(`${String(error)} ${JSON.stringify(error)} ${(error as Error).stack}`).not.toContain(SECRET);
}

// Runtimes quote a header value they refuse (`Headers.set: "Bearer abc\nsecret…" is an invalid header
// value.`): the token is refused where it arrives, in core, so no transport ever tries to set it.
describe.each([
  ['a newline', `abc\n${SECRET}`],
  ['a NUL', `abc\u0000${SECRET}`],
  // Sent changed, not refused: `Headers` trims the end; a space at the start makes `Bearer  abc…`.
  ['a space at the end', `abc${SECRET} `],
  ['a space at the start', ` abc${SECRET}`],
])('a token with %s: refused by core before any transport sets it, never quoted', (_, token) => {
  it('withTokens rejects with MalformedResponseError invalid_field and sends nothing', async () => {
    const fetch = vi.fn(async () => new Response('ok'));
    const api = withTokens(fetch, issuing(token), { baseUrl: `${API}/` });
    expectRefusedUnquoted(await refusal(api('orders')));
    expect(fetch).not.toHaveBeenCalled();
  });

  it('kyHooks: ky rejects with the same error and sends nothing', async () => {
    const fetch = vi.fn(async () => new Response('ok'));
    const client = ky.create({
      prefixUrl: API,
      fetch,
      retry: 0,
      hooks: kyHooks(ky, issuing(token), { origins: API }),
    });
    expectRefusedUnquoted(await refusal(client.get('orders')));
    expect(fetch).not.toHaveBeenCalled();
  });

  it('attachTokenManager: axios rejects with the same error and sends nothing', async () => {
    const adapter = vi.fn<AxiosAdapter>(async (config) => ({
      data: 'ok',
      status: 200,
      statusText: 'OK',
      headers: {},
      config,
    }));
    const instance = axios.create({ baseURL: API, adapter });
    attachTokenManager(instance, issuing(token));
    expectRefusedUnquoted(await refusal(instance.get('/orders')));
    expect(adapter).not.toHaveBeenCalled();
  });
});

describe('a DPoP token with a space at the end', () => {
  // Before: sent as `DPoP abc…` (Headers trims the value) with a proof whose `ath` hashed `abc… `, so
  // the resource server refused every request, and each refusal cost a refresh bringing the same shape.
  it('withTokens rejects with MalformedResponseError invalid_field, signs no proof and sends nothing', async () => {
    const fetchTokens = vi.fn(async () => ({
      access_token: `abc${SECRET} `,
      token_type: 'DPoP',
      expires_in: 300,
    }));
    const tokens = new TokenManager({ fetchTokens, retry: false, tokenTypes: ['DPoP'] });
    managers.push(tokens);
    const dpop = createDPoP();
    const proofs = vi.spyOn(dpop, 'headersFor');
    const fetch = vi.fn(async () => new Response('ok'));
    const api = withTokens(fetch, tokens, { baseUrl: `${API}/`, senderConstraint: dpop });
    expectRefusedUnquoted(await refusal(api('orders')));
    expect(fetch).not.toHaveBeenCalled();
    expect(proofs).not.toHaveBeenCalled();
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });
});

// The manager refuses such a token from every source and freezes the sets it hands out (decision 0007):
// only a manager subclass or mock that hands out its own sets can bring one here.
describe('a manager handing out a token no header can carry (setTokens would refuse it)', () => {
  const message = "withTokens(): the token set's scheme and token cannot be sent in a header";
  async function changed(tokenType: 'Bearer' | 'DPoP') {
    const fetchTokens = vi.fn(async () => ({ access_token: 'at-1', token_type: tokenType, expires_in: 300 }));
    const tokens = new TokenManager({ fetchTokens, retry: false, tokenTypes: [tokenType] });
    managers.push(tokens);
    const set = { ...(await tokens.getTokens()), accessToken: `abc\r\n${SECRET}` };
    vi.spyOn(tokens, 'freshTokens').mockReturnValue(set);
    vi.spyOn(tokens, 'getTokens').mockResolvedValue(set);
    return tokens;
  }
  function expectUnquoted(error: unknown, expected = message) {
    expect(error).toStrictEqual(new TypeError(expected));
    expect(`${String(error)} ${JSON.stringify(error)} ${(error as Error).stack}`).not.toContain(SECRET);
  }

  it.each([
    ['a header record', { Accept: 'text/plain' }],
    ['a Headers', new Headers({ Accept: 'text/plain' })],
  ])(
    'Bearer, %s: withTokens rejects with a TypeError that quotes no token and sends nothing',
    async (_, headers) => {
      const fetch = vi.fn(async () => new Response('ok'));
      const api = withTokens(fetch, await changed('Bearer'), { baseUrl: `${API}/` });
      expectUnquoted(await refusal(api('orders', { headers })));
      expect(fetch).not.toHaveBeenCalled();
    },
  );

  it('DPoP: withTokens rejects with the same TypeError and sends nothing', async () => {
    const fetch = vi.fn(async () => new Response('ok'));
    const api = withTokens(fetch, await changed('DPoP'), {
      baseUrl: `${API}/`,
      senderConstraint: createDPoP(),
    });
    expectUnquoted(await refusal(api('orders')));
    expect(fetch).not.toHaveBeenCalled();
  });

  it('DPoP: kyHooks, ky rejects with the same TypeError and sends nothing', async () => {
    const fetch = vi.fn(async () => new Response('ok'));
    const client = ky.create({
      prefixUrl: API,
      fetch,
      retry: 0,
      hooks: kyHooks(ky, await changed('DPoP'), { origins: API, senderConstraint: createDPoP() }),
    });
    expectUnquoted(await refusal(client.get('orders')), message.replace('withTokens()', 'kyHooks()'));
    expect(fetch).not.toHaveBeenCalled();
  });
});
