import type { TokenManager, TokenSet } from '@tessera/core';
import axios, { type AxiosError, isCancel } from 'axios';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { fakeApi, testClock } from '../test/fake-api.js';
import { attachTokenManager } from './attach-token-manager.js';

const baseURL = 'https://api.example.com';
const managers: TokenManager[] = [];

afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
});

async function setup(respond?: Parameters<typeof fakeApi>[0]) {
  const clock = testClock();
  const api = fakeApi(respond);
  const { tokens, fetchTokens } = await countingTokens({ clock: clock.now });
  managers.push(tokens);
  const instance = axios.create({ baseURL, adapter: api.adapter });
  attachTokenManager(instance, tokens);
  return { instance, tokens, fetchTokens, calls: api.calls, clock };
}

describe('attachTokenManager: the synchronous path for a fresh token (decision 0019)', () => {
  it('the request interceptor returns the config itself, not a promise, when the set is fresh', async () => {
    const { instance, tokens, fetchTokens, calls } = await setup();
    const getTokens = vi.spyOn(tokens, 'getTokens');
    const handler = (
      instance.interceptors.request as unknown as {
        handlers: Array<{ fulfilled: (config: unknown) => unknown } | null>;
      }
    ).handlers.find((entry) => entry !== null);
    const config = { baseURL, url: '/orders', headers: new axios.AxiosHeaders() };
    const returned = handler?.fulfilled(config);
    expect(returned).toBe(config);
    expect(config.headers.get('Authorization')).toBe('Bearer at-0');
    await instance.get('/orders');
    expect(calls.map((call) => call.authorization)).toEqual(['Bearer at-0']);
    expect(getTokens).not.toHaveBeenCalled();
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('never sends an expired or invalidated token: it waits for the one shared refresh', async () => {
    const { instance, tokens, fetchTokens, calls, clock } = await setup();
    clock.advance(301_000); // at-0 expired
    const responses = await Promise.all(Array.from({ length: 200 }, (_, i) => instance.get(`/o/${i}`)));
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(new Set(calls.map((call) => call.authorization))).toEqual(new Set(['Bearer at-1']));
    tokens.invalidate('at-1');
    await instance.get('/orders');
    expect(calls.at(-1)?.authorization).toBe('Bearer at-2');
    expect(fetchTokens).toHaveBeenCalledTimes(2);
  });

  it('an already aborted signal rejects with CanceledError (cause: the AbortError), as before; nothing is sent', async () => {
    const { instance, calls } = await setup();
    const error = await instance
      .get('/orders', { signal: AbortSignal.abort(new Error('user left')) })
      .catch((caught: unknown) => caught as AxiosError);
    expect(isCancel(error)).toBe(true);
    expect((error as { cause?: { code?: string } }).cause?.code).toBe('ABORTED');
    expect(calls).toHaveLength(0);
  });
});

describe('attachTokenManager: cached origin verdicts follow everything they depend on', () => {
  it('judges the same url again when baseURL, allowAbsoluteUrls or the instance baseURL differ', async () => {
    const { instance, calls } = await setup();
    const sent = async (url: string, config: Record<string, unknown> = {}) => {
      await instance.get(url, config);
      return calls.at(-1)?.authorization;
    };
    expect(await sent('/orders')).toBe('Bearer at-0');
    expect(await sent('/orders', { baseURL: 'https://evil.test' })).toBeUndefined();
    expect(await sent('/orders')).toBe('Bearer at-0');
    expect(await sent('https://evil.test/orders')).toBeUndefined();
    expect(await sent('https://evil.test/orders', { allowAbsoluteUrls: false })).toBe('Bearer at-0'); // sent to the baseURL
    expect(await sent('https://evil.test/orders')).toBeUndefined();
    expect(await sent(`${baseURL}/x`)).toBe('Bearer at-0');
    const pinned = { baseURL: 'https://pinned.example.com' }; // the request's own baseURL stays the same
    expect(await sent(`${baseURL}/y`, pinned)).toBe('Bearer at-0');
    instance.defaults.baseURL = 'https://other.example.com';
    expect(await sent(`${baseURL}/y`, pinned)).toBeUndefined();
    expect(await sent(`${baseURL}/x`)).toBeUndefined(); // the default policy now allows other.example.com only
    expect(await sent('/orders')).toBe('Bearer at-0'); // to other.example.com, the new baseURL
    expect(calls.at(-1)?.url).toBe('https://other.example.com|/orders');
  });
});

describe('attachTokenManager: the header value built once per token set', () => {
  it('follows every new set; a set cannot be changed in place by a careless caller', async () => {
    const api = fakeApi();
    const { tokens } = await countingTokens({ tokenTypes: ['Bearer', 'DPoP'] });
    managers.push(tokens);
    const instance = axios.create({ baseURL, adapter: api.adapter });
    attachTokenManager(instance, tokens);
    await instance.get('/orders');
    await tokens.setTokens({ access_token: 'dpop-bound', token_type: 'DPoP', expires_in: 300 });
    await instance.get('/orders');
    const set = tokens.peekTokens() as TokenSet;
    expect(() => {
      set.accessToken = 'changed-in-place'; // a careless caller: the manager's sets are frozen (decision 0007)
    }).toThrow(TypeError);
    await instance.get('/orders');
    expect(api.calls.map((call) => call.authorization)).toEqual([
      'Bearer at-0',
      'DPoP dpop-bound',
      'DPoP dpop-bound',
    ]);
  });
});
