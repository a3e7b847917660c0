import type { TokenManager } from '@tessera/core';
import axios, { type AxiosError, type AxiosInstance } from 'axios';
import axios112 from 'axios-1-12';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { type FakeCall, fakeApi } from '../test/fake-api.js';
import { attachTokenManager } from './attach-token-manager.js';
import { attachTokenManagerDefaults } from './attach-token-manager-options.js';

// `shouldRefresh` is asked exactly once per 401 response it judges, whatever it answers.
const baseURL = 'https://api.example.com';
const managers: TokenManager[] = [];

afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
});

type Create = (config: { baseURL: string; adapter: never }) => unknown;

/** An instance whose API answers 401 while `refuse(call)`; counts the 401s and the `shouldRefresh` calls. */
async function setup(create: Create, refuse: (call: FakeCall) => boolean, accept = true) {
  let unauthorized = 0;
  const api = fakeApi((call) => {
    if (!refuse(call)) return { status: 200 };
    unauthorized += 1;
    return { status: 401, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } };
  });
  const { tokens, fetchTokens } = await countingTokens();
  managers.push(tokens);
  const shouldRefresh = vi.fn((error: AxiosError, scheme?: string) =>
    accept ? attachTokenManagerDefaults.shouldRefresh(error, scheme) : false,
  );
  const instance = create({ baseURL, adapter: api.adapter as never }) as AxiosInstance;
  attachTokenManager(instance, tokens, { shouldRefresh });
  return { instance, shouldRefresh, fetchTokens, calls: api.calls, unauthorized: () => unauthorized };
}

const settle = (request: Promise<{ status: number }>) =>
  request.then(
    (response) => response.status,
    (error: AxiosError) => error.response?.status,
  );

describe.each([
  ['the newest axios', ((config) => axios.create(config)) as Create],
  ['axios 1.12.0', ((config) => axios112.create(config)) as Create],
])('shouldRefresh with %s', (_name, create) => {
  it('is called once for a 401 it declines (no refresh, no replay)', async () => {
    const { instance, shouldRefresh, fetchTokens, calls } = await setup(create, () => true, false);
    expect(await settle(instance.get('/orders'))).toBe(401);
    expect(shouldRefresh).toHaveBeenCalledTimes(1);
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(calls).toHaveLength(1);
  });

  it('is called once per 401 when the replay is refused too', async () => {
    const { instance, shouldRefresh, fetchTokens, calls } = await setup(create, () => true);
    expect(await settle(instance.get('/orders'))).toBe(401);
    expect(calls).toHaveLength(2);
    expect(shouldRefresh).toHaveBeenCalledTimes(2);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['accepts, the replays succeed', true, (call: FakeCall) => call.authorization === 'Bearer at-0', 200],
    ['declines', false, () => true, 401],
    ['accepts, the replays are refused too', true, () => true, 401],
  ] as const)(
    'is called once per 401 of 200 concurrent requests when it %s',
    async (_what, accept, refuse, status) => {
      const { instance, shouldRefresh, fetchTokens, unauthorized } = await setup(create, refuse, accept);
      const statuses = await Promise.all(
        Array.from({ length: 200 }, (_, i) => settle(instance.get(`/o/${i}`))),
      );
      expect(statuses).toEqual(Array.from({ length: 200 }, () => status));
      expect(unauthorized()).toBe(accept ? (status === 200 ? 200 : 400) : 200);
      expect(shouldRefresh).toHaveBeenCalledTimes(unauthorized());
      expect(fetchTokens).toHaveBeenCalledTimes(accept ? 1 : 0);
    },
  );
});
