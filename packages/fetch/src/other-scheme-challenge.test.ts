import type { TokenManager } from '@tessera/core';
import { createDPoP } from '@tessera/dpop';
import { failUnhandledRequest } from '@tessera/testing';
import ky, { HTTPError } from 'ky';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { kyHooks } from './ky-hooks.js';
import { withTokens } from './with-tokens.js';
import { withTokensDefaults } from './with-tokens-options.js';

const API = 'https://api.example.com';
/** The `WWW-Authenticate` values the API answers a token it does not accept with (none: no header). */
let challenges: string[] = [];
const sent: Array<string | null> = [];

const server = setupServer(
  http.all(`${API}/*`, ({ request }) => {
    const authorization = request.headers.get('authorization');
    sent.push(authorization);
    if (authorization?.endsWith(' at-1')) return HttpResponse.json({ ok: true });
    const headers = new Headers();
    for (const value of challenges) headers.append('WWW-Authenticate', value);
    return new HttpResponse(null, { status: 401, headers });
  }),
);
const managers: TokenManager[] = [];
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
  challenges = [];
  sent.length = 0;
});
afterAll(() => server.close());

const platformFetch: typeof fetch = (input, init) => globalThis.fetch(input, init);

async function setup(options: { dpop?: boolean } = {}) {
  const dpop = options.dpop ? createDPoP() : undefined;
  const counted = await countingTokens(
    dpop ? { tokenType: 'DPoP', tokenTypes: ['DPoP'], senderConstraint: dpop } : {},
  );
  managers.push(counted.tokens);
  const settings = { baseUrl: `${API}/`, ...(dpop ? { senderConstraint: dpop } : {}) };
  return {
    tokens: counted.tokens,
    fetchTokens: counted.fetchTokens,
    api: withTokens(platformFetch, counted.tokens, settings),
    ky: ky.create({ prefixUrl: API, hooks: kyHooks(ky, counted.tokens, settings) }),
  };
}

/** Challenges a new Bearer token cannot answer: the 401 is returned as it is. */
const otherSchemes: Array<[string, string[]]> = [
  ['Basic', ['Basic realm="x"']],
  ['Negotiate', ['Negotiate']],
  ['a token68 credential and another scheme', ['Negotiate abc+/==, NTLM']],
  [
    'scheme words inside a quoted string',
    ['Basic realm="Bearer error=invalid_token, Bearer x", charset="UTF-8"'],
  ],
  ['a DPoP challenge to a Bearer token', ['DPoP error="invalid_token", algs="ES256"']],
  ['an unterminated quoted string', ['Basic realm="Bearer error=invalid_token, Bearer']],
  ['a hostile 64 KiB header', [`Basic ${'x/'.repeat(32_768)} q`]],
];

/** Challenges a new Bearer token answers: one token request, one replay. */
const bearerSchemes: Array<[string, string[]]> = [
  ['no header at all', []],
  ['Bearer among other challenges, any case', ['basic realm="a, b", BEARER error="invalid_token"']],
  ['two headers, the Bearer one second', ['Basic realm="x"', 'Bearer realm="api"']],
  ['an unterminated Bearer error', ['Negotiate, Bearer error="invalid_token']],
  ['only separators', [', ,']],
];

describe('withTokens: a 401 whose challenges are for another scheme', () => {
  it.each(otherSchemes)('returns it as it is, without a token request: %s', async (_name, values) => {
    challenges = values;
    const { api, fetchTokens } = await setup();
    const response = await api('orders', { method: 'POST', body: '{"a":1}' });
    expect(response.status).toBe(401);
    expect(fetchTokens).toHaveBeenCalledTimes(0);
    expect(sent).toEqual(['Bearer at-0']);
  });

  it.each(bearerSchemes)('refreshes once and replays: %s', async (_name, values) => {
    challenges = values;
    const { api, fetchTokens } = await setup();
    expect((await api('orders')).status).toBe(200);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(sent).toEqual(['Bearer at-0', 'Bearer at-1']);
  });

  it.each<[string, string[], number]>([
    ['only other schemes: no refresh', ['Basic realm="x", Negotiate'], 0],
    ['a DPoP challenge: its error decides', ['Bearer error="insufficient_scope", DPoP algs="ES256"'], 1],
    ['a Bearer challenge only, as many APIs answer any token', ['Bearer error="invalid_token"'], 1],
  ])('with DPoP, %s', async (_name, values, refreshes) => {
    challenges = values;
    const { api, fetchTokens } = await setup({ dpop: true });
    expect((await api('orders')).status).toBe(refreshes ? 200 : 401);
    expect(fetchTokens).toHaveBeenCalledTimes(refreshes);
    expect(sent).toEqual(refreshes ? ['DPoP at-0', 'DPoP at-1'] : ['DPoP at-0']);
  });

  it('passes the scheme to a custom shouldRefresh, which the default then judges with', async () => {
    challenges = ['Basic realm="x"'];
    const { tokens, fetchTokens } = await setup();
    const schemes: Array<string | undefined> = [];
    const api = withTokens(platformFetch, tokens, {
      baseUrl: `${API}/`,
      shouldRefresh: (response, scheme) => {
        schemes.push(scheme);
        return withTokensDefaults.shouldRefresh(response, scheme);
      },
    });
    expect((await api('orders')).status).toBe(401);
    expect(schemes).toEqual(['Bearer']);
    expect(fetchTokens).toHaveBeenCalledTimes(0);
  });
});

describe('kyHooks: a 401 whose challenges are for another scheme', () => {
  it.each(otherSchemes)('rejects with its HTTPError, without a token request: %s', async (_name, values) => {
    challenges = values;
    const { ky: api, fetchTokens } = await setup();
    const error = await api.post('orders', { body: '{"a":1}' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HTTPError);
    expect((error as HTTPError).response.status).toBe(401);
    expect(fetchTokens).toHaveBeenCalledTimes(0);
    expect(sent).toEqual(['Bearer at-0']);
  });

  it.each(bearerSchemes)('refreshes once and retries: %s', async (_name, values) => {
    challenges = values;
    const { ky: api, fetchTokens } = await setup();
    expect((await api.get('orders')).status).toBe(200);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(sent).toEqual(['Bearer at-0', 'Bearer at-1']);
  });
});
