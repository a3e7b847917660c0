import { Readable } from 'node:stream';
import { type TokenManager, TokenTypeMismatchError } from '@tessera/core';
import { createDPoP, DPoPNonceError } from '@tessera/dpop';
import axios, { AxiosError } from 'axios';
import axios112 from 'axios-1-12';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { dpopChecker } from '../../e2e-support/test-support/dpop-checker.js';
import { fakeApi } from '../test/fake-api.js';
import { attachTokenManager } from './attach-token-manager.js';

const baseURL = 'https://api.example.com';
const managers: TokenManager[] = [];
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
});

/** axios over a strict fake DPoP API (proof signature, htm, htu, ath, fresh jti, its nonce). */
async function setup(
  options: {
    valid?: string;
    nonce?: () => string | undefined;
    tokenType?: string;
    create?: typeof axios.create;
  } = {},
) {
  const checker = dpopChecker(() => options.valid ?? 'at-0', { nonce: options.nonce ?? (() => undefined) });
  const api = fakeApi(async ({ config }) => {
    const dpop = config.headers.get('DPoP');
    const authorization = config.headers.get('Authorization');
    return checker.check({
      method: (config.method ?? 'get').toUpperCase(),
      url: `${config.baseURL}${config.url}`,
      authorization: typeof authorization === 'string' ? authorization : null,
      dpop: typeof dpop === 'string' ? dpop : null,
    });
  });
  const counted = await countingTokens({
    tokenType: options.tokenType ?? 'DPoP',
    tokenTypes: ['DPoP', 'Bearer'],
  });
  managers.push(counted.tokens);
  const dpop = createDPoP();
  const instance = (options.create ?? axios.create)({ baseURL, adapter: api.adapter });
  attachTokenManager(instance, counted.tokens, { senderConstraint: dpop });
  const invalidate = vi.spyOn(counted.tokens, 'invalidate');
  return { ...counted, instance, invalidate, calls: checker.calls, dpop };
}

describe('attachTokenManager with a senderConstraint (DPoP)', () => {
  it('refuses a token no header can carry, from a manager mock, before any send, quoting no token', async () => {
    const { instance, calls, tokens, fetchTokens } = await setup();
    // The manager's own sets are frozen and checked (decision 0007): a mock hands out this one.
    const set = { ...(await tokens.getTokens()), accessToken: 'at-0\r\nX-Injected: 1' };
    vi.spyOn(tokens, 'freshTokens').mockReturnValue(set);
    vi.spyOn(tokens, 'getTokens').mockResolvedValue(set);
    const error = await instance.get('/orders').then(
      () => expect.fail('resolved'),
      (caught: unknown) => caught,
    );
    expect(error).toStrictEqual(
      new TypeError("attachTokenManager(): the token set's scheme and token cannot be sent in a header"),
    );
    expect(calls).toHaveLength(0);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('sends Authorization: DPoP <token> and a fresh, valid proof per request (300 concurrent)', async () => {
    const { instance, calls, fetchTokens } = await setup();
    const responses = await Promise.all(
      Array.from({ length: 300 }, (_, i) => instance.get(`/orders/${i}`, { params: { q: 1 } })),
    );
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(new Set(calls.map((call) => call.proof?.jti)).size).toBe(300);
    expect(calls.every((call) => call.authorization === 'DPoP at-0' && call.proof?.htm === 'GET')).toBe(true);
  });

  it('answers a nonce challenge with one replay with a fresh proof: no refresh, no invalidate; later requests carry the nonce', async () => {
    let nonce = 'n-1';
    const { instance, calls, fetchTokens, invalidate } = await setup({ nonce: () => nonce });
    expect((await instance.post('/orders', { item: 1 })).status).toBe(200);
    expect(calls.map((call) => [call.status, call.proof?.nonce, call.proof?.htm])).toEqual([
      [401, undefined, 'POST'],
      [200, 'n-1', 'POST'],
    ]);
    expect(calls[0]?.proof?.jti).not.toBe(calls[1]?.proof?.jti);
    nonce = 'n-2';
    await instance.get('/orders');
    await instance.get('/orders');
    expect(calls.map((call) => call.status)).toEqual([401, 200, 401, 200, 200]);
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(invalidate).not.toHaveBeenCalled();
  });

  it('replays a 401 invalid_token once with the new token and a proof whose ath is of the new token', async () => {
    const { instance, calls, fetchTokens, invalidate } = await setup({ valid: 'at-1' });
    expect((await instance.get('/orders')).status).toBe(200);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(invalidate.mock.calls).toEqual([['at-0']]);
    expect(calls.map((call) => [call.authorization, call.status])).toEqual([
      ['DPoP at-0', 401],
      ['DPoP at-1', 200],
    ]);
    expect(calls[0]?.proof?.ath).not.toBe(calls[1]?.proof?.ath);
  });

  it.each([
    ['newest axios', axios.create],
    // It drops our record when it merges the nonce replay's config: the replay is known by its id.
    ['axios 1.12.0', axios112.create.bind(axios112) as unknown as typeof axios.create],
  ])(
    'after a nonce replay, a 401 invalid_token still gets one refresh-and-replay (3 sends, %s)',
    async (_name, create) => {
      const { instance, calls, fetchTokens } = await setup({ valid: 'at-1', nonce: () => 'n-1', create });
      expect((await instance.get('/orders')).status).toBe(200);
      expect(calls.map((call) => [call.authorization, call.status])).toEqual([
        ['DPoP at-0', 401],
        ['DPoP at-0', 401],
        ['DPoP at-1', 200],
      ]);
      expect(fetchTokens).toHaveBeenCalledTimes(1);
    },
  );

  it('rejects with the second nonce challenge: never a third request, never a refresh', async () => {
    let n = 0;
    const { instance, calls, fetchTokens, invalidate } = await setup({ nonce: () => `n-${++n}` });
    const error = (await instance.get('/orders').catch((e: unknown) => e)) as AxiosError;
    expect(error.response?.status).toBe(401);
    expect(calls).toHaveLength(2);
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(invalidate).not.toHaveBeenCalled();
    const shown = JSON.stringify(error.config?.headers);
    expect(shown).not.toContain('at-0');
    expect(shown).not.toContain(String(calls[1]?.proof?.jti));
  });

  it('rejects a challenge without a readable DPoP-Nonce with DPoPNonceError: one request, no refresh', async () => {
    const api = fakeApi(() => ({
      status: 401,
      headers: { 'WWW-Authenticate': 'DPoP error="use_dpop_nonce"' },
    }));
    const { tokens, fetchTokens } = await countingTokens({ tokenType: 'DPoP', tokenTypes: ['DPoP'] });
    managers.push(tokens);
    const instance = axios.create({ baseURL, adapter: api.adapter });
    attachTokenManager(instance, tokens, { senderConstraint: createDPoP() });
    const error = await instance.get('/orders').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DPoPNonceError);
    expect(error).toMatchObject({ failure: 'nonce_unreadable' });
    expect(api.calls).toHaveLength(1);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('never sends a Bearer set with a DPoP constraint: TokenTypeMismatchError, nothing sent', async () => {
    const { instance, calls } = await setup({ tokenType: 'Bearer' });
    const error = await instance.get('/orders').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenTypeMismatchError);
    expect(error).toMatchObject({ expected: 'DPoP', received: 'Bearer' });
    expect(calls).toHaveLength(0);
  });

  it('does not replay a stream body on a nonce challenge, and learns the nonce for the next request', async () => {
    const { instance, calls } = await setup({ nonce: () => 'n-1' });
    const error = (await instance
      .post('/upload', Readable.from(['chunk']))
      .catch((e: unknown) => e)) as AxiosError;
    expect(error.response?.status).toBe(401);
    expect((await instance.get('/orders')).status).toBe(200);
    expect(calls.map((call) => [call.status, call.proof?.nonce])).toEqual([
      [401, undefined],
      [200, 'n-1'],
    ]);
  });

  it('rejects a scheme beside a senderConstraint, and a senderConstraint that is not one', async () => {
    const { tokens } = await countingTokens();
    managers.push(tokens);
    expect(() =>
      attachTokenManager(axios.create(), tokens, { scheme: 'Bearer', senderConstraint: createDPoP() }),
    ).toThrow('attachTokenManager(): scheme cannot be combined with senderConstraint (the scheme is DPoP)');
    expect(() => attachTokenManager(axios.create(), tokens, { senderConstraint: {} as never })).toThrow(
      'attachTokenManager(): senderConstraint must be a SenderConstraint such as createDPoP() from @tessera/dpop',
    );
  });
  it("a nonce challenge from one API is answered by its manager alone: another API's DPoP manager neither replays nor refreshes", async () => {
    const { instance, calls, fetchTokens, invalidate } = await setup({ nonce: () => 'n-1' });
    const other = await countingTokens({ tokenType: 'DPoP', tokenTypes: ['DPoP'] });
    managers.push(other.tokens);
    const otherInvalidate = vi.spyOn(other.tokens, 'invalidate');
    const otherDPoP = createDPoP();
    const otherProofs = vi.spyOn(otherDPoP, 'authorize');
    attachTokenManager(instance, other.tokens, {
      senderConstraint: otherDPoP,
      origins: 'https://billing.example.com',
    });
    expect((await instance.post('/orders', { item: 1 })).status).toBe(200);
    expect(calls.map((call) => [call.status, call.authorization, call.proof?.nonce])).toEqual([
      [401, 'DPoP at-0', undefined],
      [200, 'DPoP at-0', 'n-1'],
    ]);
    expect([fetchTokens.mock.calls.length, other.fetchTokens.mock.calls.length]).toEqual([0, 0]);
    expect([
      invalidate.mock.calls.length,
      otherInvalidate.mock.calls.length,
      otherProofs.mock.calls.length,
    ]).toEqual([0, 0, 0]);
  });
});

describe('attachTokenManager with DPoP: the nonce of a response from another origin (XHR redirect)', () => {
  /** The nonce claim of a proof header. */
  const nonceOf = (proof: unknown) =>
    JSON.parse(Buffer.from(String(proof).split('.')[1] ?? '', 'base64url').toString()).nonce;

  it('keeps the DPoP-Nonce of the origin an XHR was redirected to for that origin, never for the API', async () => {
    const { tokens } = await countingTokens({ tokenType: 'DPoP', tokenTypes: ['DPoP'] });
    managers.push(tokens);
    const dpop = createDPoP();
    const proofs: unknown[] = [];
    const instance = axios.create({
      baseURL,
      adapter: async (config) => {
        proofs.push(config.headers.get('DPoP'));
        const redirected = config.url === '/moved';
        return {
          data: null,
          status: 200,
          statusText: 'OK',
          headers: { 'dpop-nonce': redirected ? 'other-nonce' : 'api-nonce' },
          config,
          // What the XHR adapter hands over: the XMLHttpRequest, whose responseURL is the final URL.
          request: {
            responseURL: redirected ? 'https://other.example.com/landing' : `${baseURL}${config.url}`,
          },
        };
      },
    });
    attachTokenManager(instance, tokens, {
      senderConstraint: dpop,
      origins: [baseURL, 'https://other.example.com'],
    });

    await instance.get('/moved');
    await instance.get('/orders');
    await instance.get('/orders');
    const other = await dpop.headersFor({
      method: 'GET',
      url: 'https://other.example.com/x',
      accessToken: 't',
    });

    expect(proofs.map(nonceOf)).toEqual([undefined, undefined, 'api-nonce']);
    expect(nonceOf(other.DPoP)).toBe('other-nonce');
  });

  it('answers no nonce challenge and refreshes nothing for a 401 from another allowed origin an XHR was redirected to', async () => {
    const { tokens, fetchTokens } = await countingTokens({ tokenType: 'DPoP', tokenTypes: ['DPoP'] });
    managers.push(tokens);
    const invalidate = vi.spyOn(tokens, 'invalidate');
    const proofs: unknown[] = [];
    const instance = axios.create({
      baseURL,
      adapter: async (config) => {
        proofs.push(config.headers.get('DPoP'));
        const response = {
          data: null,
          status: 401,
          statusText: '',
          headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'other-nonce' },
          config,
          request: {},
        };
        // The browser followed a redirect to another allowed origin and dropped Authorization there.
        const request = { responseURL: 'https://other.example.com/landing' };
        throw new AxiosError('401', 'ERR_BAD_REQUEST', config, request, response);
      },
    });
    attachTokenManager(instance, tokens, {
      senderConstraint: createDPoP(),
      origins: [baseURL, 'https://other.example.com'],
    });

    await expect(instance.get('/moved')).rejects.toMatchObject({ response: { status: 401 } });
    expect(proofs).toHaveLength(1);
    expect(invalidate).not.toHaveBeenCalled();
    expect(fetchTokens).not.toHaveBeenCalled();
  });
});
