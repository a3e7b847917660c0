import type { TokenManager } from '@tessera/core';
import type { AxiosInstance } from 'axios';
import axios112 from 'axios-1-12';
import { afterEach, describe, expect, it } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { deferred } from '../../e2e-support/test-support/deferred.js';
import { type FakeAnswer, type FakeCall, fakeApi } from '../test/fake-api.js';
import { attachTokenManager } from './attach-token-manager.js';

// axios 1.12.0, the oldest version of the peer range (decision 0209): each replay exactly once,
// never a loop, whether or not this version keeps the private record when it merges a config.
const baseURL = 'https://api.example.com';
const managers: TokenManager[] = [];

function acceptsOnly(valid: () => string) {
  return (call: FakeCall): FakeAnswer =>
    call.authorization === `Bearer ${valid()}`
      ? { status: 200 }
      : { status: 401, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } };
}

async function setup(respond: Parameters<typeof fakeApi>[0]) {
  const api = fakeApi(respond);
  const { tokens, fetchTokens } = await countingTokens();
  managers.push(tokens);
  const instance = axios112.create({ baseURL, adapter: api.adapter as never });
  attachTokenManager(instance as unknown as AxiosInstance, tokens);
  return { instance, tokens, fetchTokens, calls: api.calls };
}

afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
});

describe('with axios 1.12.0 (the oldest supported)', () => {
  it('replays each of 500 concurrent 401s exactly once after one refresh', async () => {
    const { instance, fetchTokens, calls } = await setup(acceptsOnly(() => 'at-1'));
    const responses = await Promise.all(Array.from({ length: 500 }, (_, i) => instance.get(`/orders/${i}`)));
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(calls.filter((call) => call.authorization === 'Bearer at-0')).toHaveLength(500);
    expect(calls.filter((call) => call.authorization === 'Bearer at-1')).toHaveLength(500);
  });

  it('rejects once with the replay’s 401 when the replay is refused too (no loop)', async () => {
    const attempts = new Map<string, number>();
    const { instance, fetchTokens, calls } = await setup((call) => {
      attempts.set(call.url, (attempts.get(call.url) ?? 0) + 1);
      return (attempts.get(call.url) ?? 0) > 3 ? { status: 200 } : acceptsOnly(() => 'never')(call);
    });
    const errors = await Promise.all(
      Array.from({ length: 50 }, (_, i) => instance.get(`/orders/${i}`).catch((error: unknown) => error)),
    );
    expect(errors.every((error) => axios112.isAxiosError(error) && error.response?.status === 401)).toBe(
      true,
    );
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(calls).toHaveLength(100);
  });

  it('leaves a caller-set header and skipAuth requests alone', async () => {
    const { instance, calls, fetchTokens } = await setup(() => ({ status: 401 }));
    await expect(instance.get('/a', { headers: { Authorization: 'Bearer mine' } })).rejects.toMatchObject({
      response: { status: 401 },
    });
    await expect(instance.get('/b', { skipAuth: true } as object)).rejects.toMatchObject({
      response: { status: 401 },
    });
    expect(calls.map((call) => call.authorization)).toEqual(['Bearer mine', undefined]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('rejects with a CanceledError axios 1.12 recognises when aborted while waiting for a token', async () => {
    const gate = deferred<void>();
    const api = fakeApi();
    const { tokens } = await countingTokens({ gate: gate.promise });
    managers.push(tokens);
    tokens.invalidate('at-0');
    const instance = axios112.create({ baseURL, adapter: api.adapter as never });
    attachTokenManager(instance as unknown as AxiosInstance, tokens);
    const controller = new AbortController();
    const pending = instance.get('/orders', { signal: controller.signal }).catch((error: unknown) => error);
    controller.abort();
    expect(axios112.isCancel(await pending)).toBe(true);
    gate.resolve();
    expect(api.calls).toHaveLength(0);
  });

  it('rejects with axios 1.12’s own Cancel when a CancelToken cancels while waiting for a token', async () => {
    const gate = deferred<void>();
    const api = fakeApi();
    const { tokens } = await countingTokens({ gate: gate.promise });
    managers.push(tokens);
    tokens.invalidate('at-0');
    const instance = axios112.create({ baseURL, adapter: api.adapter as never });
    attachTokenManager(instance as unknown as AxiosInstance, tokens);
    const source = axios112.CancelToken.source();
    const pending = instance.get('/orders', { cancelToken: source.token }).catch((error: unknown) => error);
    let settled = false;
    void pending.then(() => {
      settled = true;
    });
    source.cancel('gone');
    for (let i = 0; i < 50; i += 1) await Promise.resolve();
    expect(settled).toBe(true); // the refresh still hangs
    const error = await pending;
    expect(axios112.isCancel(error)).toBe(true);
    expect((error as Error).message).toBe('gone');
    gate.resolve();
    expect(api.calls).toHaveLength(0);
  });
});
