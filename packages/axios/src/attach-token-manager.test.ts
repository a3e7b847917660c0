import { LoginRequiredError, OAuthError, type TokenManager } from '@tessera/core';
import axios, { type AxiosError, isCancel } from 'axios';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { deferred } from '../../e2e-support/test-support/deferred.js';
import { fakeApi, testClock } from '../test/fake-api.js';
import { attachTokenManager } from './attach-token-manager.js';

const baseURL = 'https://api.example.com';
const managers: TokenManager[] = [];

async function setup(respond?: Parameters<typeof fakeApi>[0], clock = testClock()) {
  const api = fakeApi(respond);
  const { tokens, fetchTokens } = await countingTokens({ clock: clock.now });
  managers.push(tokens);
  const instance = axios.create({ baseURL, adapter: api.adapter });
  const detach = attachTokenManager(instance, tokens);
  return { instance, tokens, fetchTokens, calls: api.calls, detach, clock };
}

afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
});

describe('attachTokenManager: sending the token', () => {
  it('sends Authorization: Bearer <token> to the baseURL origin', async () => {
    const { instance, calls } = await setup();
    await instance.get('/orders');
    expect(calls.map((call) => call.authorization)).toEqual(['Bearer at-0']);
  });

  it('sends one token request for 500 concurrent requests with an expired token, and none with the expired one', async () => {
    const gate = deferred<void>();
    const clock = testClock();
    const api = fakeApi();
    const { tokens, fetchTokens } = await countingTokens({ clock: clock.now, gate: gate.promise });
    managers.push(tokens);
    const instance = axios.create({ baseURL, adapter: api.adapter });
    attachTokenManager(instance, tokens);
    clock.advance(301_000);

    const requests = Array.from({ length: 500 }, (_, i) => instance.get(`/orders/${i}`));
    await Promise.resolve();
    expect(api.calls).toHaveLength(0); // nothing leaves before the new token is there
    gate.resolve();
    const responses = await Promise.all(requests);

    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(responses.filter((response) => response.status === 200)).toHaveLength(500);
    expect(api.calls.filter((call) => call.authorization === 'Bearer at-1')).toHaveLength(500);
  });

  it('sends nothing and replays nothing for a request with skipAuth: true', async () => {
    const { instance, calls, fetchTokens, clock } = await setup(() => ({ status: 401 }));
    clock.advance(301_000); // even an expired token is not refreshed for it
    await expect(instance.get('/health', { skipAuth: true })).rejects.toMatchObject({ status: 401 });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.authorization).toBeUndefined();
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('leaves a caller-set Authorization header alone and never replays its 401', async () => {
    const { instance, calls, fetchTokens } = await setup(() => ({ status: 401 }));
    await expect(
      instance.get('/orders', { headers: { authorization: 'Bearer caller-token' } }),
    ).rejects.toMatchObject({ status: 401 });
    instance.defaults.headers.common.Authorization = 'Basic dXNlcjpwdw==';
    await expect(instance.get('/orders')).rejects.toMatchObject({ status: 401 });
    expect(calls.map((call) => call.authorization)).toEqual(['Bearer caller-token', 'Basic dXNlcjpwdw==']);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it("keeps an empty Authorization as the caller's, as withTokens and kyHooks do: sent as it is, never replayed", async () => {
    const { instance, calls, fetchTokens } = await setup(() => ({ status: 401 }));
    await expect(instance.get('/orders', { headers: { Authorization: '' } })).rejects.toMatchObject({
      status: 401,
    });
    expect(calls.map((call) => call.authorization)).toEqual(['']);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('sends no token where the caller removed Authorization with null or false, and one where it is undefined', async () => {
    const { instance, calls, fetchTokens } = await setup(() => ({ status: 401 }));
    instance.defaults.headers.common.Authorization = 'Basic dXNlcjpwdw==';
    for (const value of [null, false]) {
      await expect(instance.get('/public', { headers: { Authorization: value } })).rejects.toMatchObject({
        status: 401,
      });
    }
    // What `token ? 'Bearer ' + token : undefined` gives (axios's types refuse a bare undefined).
    const unset = { Authorization: undefined } as unknown as Record<string, string>;
    await expect(instance.get('/orders', { headers: unset })).rejects.toMatchObject({ status: 401 });
    // axios removes a header set to null or false: those went without any; undefined is "not set".
    expect(calls.map((call) => call.authorization)).toEqual([
      undefined,
      undefined,
      'Bearer at-0',
      'Bearer at-1',
    ]);
    expect(fetchTokens).toHaveBeenCalledTimes(1); // only the request that carried our token refreshed
  });

  it('sends no token to another origin, nor for a relative URL in Node without baseURL', async () => {
    const api = fakeApi();
    const { tokens } = await countingTokens();
    managers.push(tokens);
    const noBase = axios.create({ adapter: api.adapter });
    attachTokenManager(noBase, tokens);
    await noBase.get('/orders');
    await noBase.get('https://api.example.com/orders');
    const withBase = axios.create({ baseURL, adapter: api.adapter });
    attachTokenManager(withBase, tokens);
    await withBase.get('https://other.test/orders');
    await withBase.get('/orders', { baseURL: 'https://other.test' });
    await withBase.get('//other.test/orders');
    await withBase.get('https://other.test/orders', { allowAbsoluteUrls: false });
    expect(api.calls.map((call) => call.authorization)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      'Bearer at-0',
    ]);
  });

  it('in a browser, sends the token to the page origin for relative URLs and to no other origin', async () => {
    vi.stubGlobal('document', { baseURI: 'https://app.example.com/shop/' });
    try {
      const api = fakeApi();
      const { tokens } = await countingTokens();
      managers.push(tokens);
      const instance = axios.create({ adapter: api.adapter });
      attachTokenManager(instance, tokens);
      await instance.get('/orders');
      await instance.get('cart');
      await instance.get('https://api.example.com/orders');
      await instance.get('//evil.test/orders');
      expect(api.calls.map((call) => call.authorization)).toEqual([
        'Bearer at-0',
        'Bearer at-0',
        undefined,
        undefined,
      ]);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('copes with an interceptor that replaced the headers with a plain object', async () => {
    const { instance, calls } = await setup();
    instance.interceptors.request.use((config) => {
      Object.assign(config, { headers: { 'X-Trace': '1' } }); // runs before attachTokenManager's
      return config;
    });
    await instance.get('/orders');
    expect(calls.map((call) => [call.authorization, call.config.headers.get('X-Trace')])).toEqual([
      ['Bearer at-0', '1'],
    ]);
  });

  it('leaves a request with axios `auth` (HTTP Basic) alone', async () => {
    const { instance, calls } = await setup();
    await instance.get('/orders', { auth: { username: 'u', password: 'p' } });
    expect(calls[0]?.authorization).toBeUndefined();
  });

  it('uses the header and scheme options, and the bare token with scheme ""', async () => {
    const api = fakeApi();
    const { tokens } = await countingTokens();
    managers.push(tokens);
    const instance = axios.create({ baseURL, adapter: api.adapter });
    const detach = attachTokenManager(instance, tokens, { header: 'X-Api-Token', scheme: '' });
    await instance.get('/a');
    detach();
    attachTokenManager(instance, tokens, { scheme: 'Token' });
    await instance.get('/b');
    expect(api.calls.map((call) => call.config.headers.get('X-Api-Token') ?? null)).toEqual(['at-0', null]);
    expect(api.calls.map((call) => call.authorization)).toEqual([undefined, 'Token at-0']);
  });

  it('rejects with the token manager’s typed error when no token can be had', async () => {
    const { instance, tokens, fetchTokens, calls } = await setup();
    await tokens.clear();
    fetchTokens.mockRejectedValueOnce(new LoginRequiredError());
    await expect(instance.get('/orders')).rejects.toBeInstanceOf(LoginRequiredError);
    fetchTokens.mockRejectedValueOnce(new OAuthError({ error: 'invalid_grant', status: 400 }, 'test'));
    const error = await instance.get('/orders').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OAuthError);
    expect((error as OAuthError).error).toBe('invalid_grant');
    expect(calls).toHaveLength(0);
  });

  it('rejects with axios CanceledError when the signal aborts while the request waits for a token; others still get it', async () => {
    const gate = deferred<void>();
    const clock = testClock();
    const api = fakeApi();
    const { tokens, fetchTokens } = await countingTokens({ clock: clock.now, gate: gate.promise });
    managers.push(tokens);
    const instance = axios.create({ baseURL, adapter: api.adapter });
    attachTokenManager(instance, tokens);
    clock.advance(301_000);

    const controller = new AbortController();
    const aborted = instance.get('/slow', { signal: controller.signal }).catch((error: unknown) => error);
    const others = Array.from({ length: 100 }, () => instance.get('/orders'));
    await Promise.resolve();
    controller.abort();
    const error = await aborted;
    expect(isCancel(error)).toBe(true);
    expect((error as AxiosError).cause).toMatchObject({ code: 'ABORTED' });

    gate.resolve();
    await Promise.all(others);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(api.calls).toHaveLength(100);
    expect(api.calls.every((call) => call.url === `${baseURL}|/orders`)).toBe(true);
  });

  it.each([
    ['', false],
    [' (the request also has a signal)', true],
  ])(
    'rejects with axios’s own Cancel when a legacy CancelToken cancels while the request waits for a token%s; nothing is sent',
    async (_also, withSignal) => {
      const gate = deferred<void>();
      const clock = testClock();
      const api = fakeApi();
      const { tokens, fetchTokens } = await countingTokens({ clock: clock.now, gate: gate.promise });
      managers.push(tokens);
      const instance = axios.create({ baseURL, adapter: api.adapter });
      attachTokenManager(instance, tokens);
      clock.advance(301_000);

      const source = axios.CancelToken.source();
      const signal = withSignal ? { signal: new AbortController().signal } : {};
      const canceled = instance
        .get('/slow', { cancelToken: source.token, ...signal })
        .catch((error: unknown) => error);
      const other = instance.get('/orders');
      await Promise.resolve();
      let settled = false;
      void canceled.then(() => {
        settled = true;
      });
      source.cancel('navigated away');
      for (let i = 0; i < 50; i += 1) await Promise.resolve();
      expect(settled).toBe(true); // while the refresh still hangs (before: only once it ended)
      const error = await canceled;
      expect(isCancel(error)).toBe(true);
      expect((error as Error).message).toBe('navigated away');

      gate.resolve();
      await other;
      expect(fetchTokens).toHaveBeenCalledTimes(1);
      expect(api.calls.map((call) => call.url)).toEqual([`${baseURL}|/orders`]);
    },
  );

  it('rejects with CanceledError when the signal aborts a request that also has a CancelToken', async () => {
    const gate = deferred<void>();
    const clock = testClock();
    const api = fakeApi();
    const { tokens } = await countingTokens({ clock: clock.now, gate: gate.promise });
    managers.push(tokens);
    const instance = axios.create({ baseURL, adapter: api.adapter });
    attachTokenManager(instance, tokens);
    clock.advance(301_000);

    const controller = new AbortController();
    const canceled = instance
      .get('/slow', { cancelToken: axios.CancelToken.source().token, signal: controller.signal })
      .catch((error: unknown) => error);
    await Promise.resolve();
    controller.abort();
    const error = await canceled;
    expect(isCancel(error)).toBe(true);
    expect((error as AxiosError).cause).toMatchObject({ code: 'ABORTED' });
    gate.resolve();
    expect(api.calls).toHaveLength(0);
  });

  it('two managers on one instance with two headers: each replays its own 401 and redacts its own token', async () => {
    const sent: unknown[][] = []; // as sent: an error's config is redacted afterwards
    const api = fakeApi(({ config, authorization }) => {
      sent.push([config.headers.get('X-Api-Key'), authorization]);
      return { status: config.url === '/fail' ? 500 : authorization === 'Bearer b-old' ? 401 : 200 };
    });
    const apiKeys = await countingTokens();
    const users = await countingTokens();
    managers.push(apiKeys.tokens, users.tokens);
    await users.tokens.setTokens({ access_token: 'b-old', token_type: 'Bearer', expires_in: 300 });
    const instance = axios.create({ baseURL, adapter: api.adapter });
    // Both headers on one request: a 401 does not say which it refused, so the key manager leaves 401s to the user manager.
    attachTokenManager(instance, apiKeys.tokens, {
      header: 'X-Api-Key',
      scheme: '',
      shouldRefresh: () => false,
    });
    attachTokenManager(instance, users.tokens);

    expect((await instance.get('/orders')).status).toBe(200);
    expect(sent.slice(0, 2)).toEqual([
      ['at-0', 'Bearer b-old'],
      ['at-0', 'Bearer at-1'],
    ]);
    expect([apiKeys.fetchTokens.mock.calls.length, users.fetchTokens.mock.calls.length]).toEqual([0, 1]);

    const error = (await instance.get('/fail').catch((reason: unknown) => reason)) as AxiosError;
    expect(error.response?.status).toBe(500);
    const shown = JSON.stringify([error.toJSON(), error.config?.headers]);
    expect(shown).not.toContain('at-0');
    expect(shown).not.toContain('at-1');
  });

  it('detach() removes both interceptors', async () => {
    const { instance, calls, fetchTokens, detach } = await setup((call) => ({
      status: call.url.endsWith('/401') ? 401 : 200,
    }));
    const before = [instance.interceptors.request, instance.interceptors.response].map(countHandlers);
    detach();
    detach(); // idempotent
    expect([instance.interceptors.request, instance.interceptors.response].map(countHandlers)).toEqual(
      before.map((count) => count - 1),
    );
    await instance.get('/orders');
    await expect(instance.get('/401')).rejects.toMatchObject({ status: 401 });
    expect(calls.map((call) => call.authorization)).toEqual([undefined, undefined]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });
});

function countHandlers(manager: object): number {
  let count = 0;
  (manager as { forEach(fn: () => void): void }).forEach(() => {
    count += 1;
  });
  return count;
}

describe('attachTokenManager: options and token type', () => {
  it('rejects unknown option keys from plain JS with a "did you mean"', async () => {
    const { tokens } = await countingTokens();
    managers.push(tokens);
    const instance = axios.create({ baseURL });
    expect(() => attachTokenManager(instance, tokens, { orgins: baseURL } as never)).toThrow(
      /unknown option "orgins" — did you mean "origins"\?/,
    );
    expect(() => attachTokenManager(instance, tokens, { shouldRetry: () => true } as never)).toThrow(
      TypeError,
    );
    expect(() => attachTokenManager(instance, tokens, 'Authorization' as never)).toThrow(
      new TypeError('attachTokenManager(): options must be an object such as { origins }'),
    );
    expect(() => attachTokenManager(instance, tokens, null as never)).toThrow(/options must be an object/);
    expect(instance.interceptors.request).toSatisfy((manager: object) => countHandlers(manager) === 0);
  });

  it('takes the token and its type from one token set, even when a refresh lands in between', async () => {
    const api = fakeApi();
    const { tokens } = await countingTokens({ tokenTypes: ['Bearer', 'DPoP'] });
    managers.push(tokens);
    await tokens.setTokens({ access_token: 'dpop-bound', token_type: 'dpop', expires_in: 300 });
    // What a second read (the old peekTokens() after getAccessToken()) would see: another set.
    vi.spyOn(tokens, 'peekTokens').mockReturnValue({ accessToken: 'at-9', tokenType: 'Bearer' });
    const instance = axios.create({ baseURL, adapter: api.adapter });
    attachTokenManager(instance, tokens);
    await instance.get('/orders');
    expect(api.calls.map((call) => call.authorization)).toEqual(['DPoP dpop-bound']);
  });

  it('normalises the token type case-insensitively and never hard-codes Bearer', async () => {
    const api = fakeApi();
    const { tokens } = await countingTokens({ tokenTypes: ['Bearer', 'DPoP', 'MAC'] });
    managers.push(tokens);
    const instance = axios.create({ baseURL, adapter: api.adapter });
    attachTokenManager(instance, tokens);
    for (const type of ['bearer', 'BEARER', 'DPOP', 'MAC']) {
      await tokens.setTokens({ access_token: 't', token_type: type, expires_in: 300 });
      await instance.get('/orders');
    }
    expect(api.calls.map((call) => call.authorization)).toEqual(['Bearer t', 'Bearer t', 'DPoP t', 'MAC t']);
  });
});
