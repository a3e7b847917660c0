import { Stream } from 'node:stream';
import { type FetchTokens, TokenManager } from '@tessera/core';
import axios, { type AxiosError } from 'axios';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi } from '../test/fake-api.js';
import { attachTokenManager } from './attach-token-manager.js';

/**
 * Mutation check of `isReplayableBody`'s `pipe` and async-iterator rules, one by one: a body that only
 * pipes (Node's legacy `Stream`, the shape of the `form-data` package's object) and one that is only
 * async iterable (a generator your `transformRequest` passes on) are read once, so their 401 is never
 * replayed — a replay would send them empty. A Node `Readable` has both, so it tells neither rule apart.
 */

const managers: TokenManager[] = [];
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
});

describe('attachTokenManager: a 401 for a body that only pipes (form-data)', () => {
  it('reaches the caller: the body is sent once, no replay', async () => {
    let issued = 0;
    const fetchTokens = vi.fn<FetchTokens>(async () => ({ access_token: `at-${++issued}`, expires_in: 300 }));
    const tokens = new TokenManager({ fetchTokens, retry: false, rejectionCooldown: 0 });
    managers.push(tokens);
    await tokens.setTokens({ access_token: 'at-0', expires_in: 300 });
    const api = fakeApi((call) => (call.authorization === 'Bearer at-0' ? { status: 401 } : { status: 200 }));
    const instance = axios.create({ baseURL: 'https://api.example.com', adapter: api.adapter });
    attachTokenManager(instance, tokens);
    const body = new Stream();
    expect(typeof (body as unknown as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator]).toBe(
      'undefined',
    );

    const error = (await instance.post('/upload', body).catch((caught: unknown) => caught)) as AxiosError;

    expect(error.response?.status).toBe(401);
    expect(api.calls.map((call) => call.authorization)).toEqual(['Bearer at-0']);
    expect(fetchTokens).not.toHaveBeenCalled();
  });
  it('reaches the caller for an async iterable body your transformRequest passes on: sent once, no replay', async () => {
    let issued = 0;
    const fetchTokens = vi.fn<FetchTokens>(async () => ({ access_token: `at-${++issued}`, expires_in: 300 }));
    const tokens = new TokenManager({ fetchTokens, retry: false, rejectionCooldown: 0 });
    managers.push(tokens);
    await tokens.setTokens({ access_token: 'at-0', expires_in: 300 });
    const api = fakeApi((call) => (call.authorization === 'Bearer at-0' ? { status: 401 } : { status: 200 }));
    const instance = axios.create({ baseURL: 'https://api.example.com', adapter: api.adapter });
    attachTokenManager(instance, tokens);
    const body = (async function* () {
      yield 'chunk';
    })();

    const error = (await instance
      .post('/upload', body, { transformRequest: [(data: unknown) => data] })
      .catch((caught: unknown) => caught)) as AxiosError;

    expect(error.response?.status).toBe(401);
    expect(api.calls.map((call) => call.authorization)).toEqual(['Bearer at-0']);
    expect(fetchTokens).not.toHaveBeenCalled();
  });
});
