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
});
