import type { TokenManager } from '@tessera/core';
import axios, { type AxiosInstance } from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { type FakeAnswer, type FakeCall, fakeApi } from '../test/fake-api.js';
import { attachTokenManager } from './attach-token-manager.js';

// Mutation sweep, stop 36: a replay's id is looked up only for a config without our record (axios 1.12–1.17).
const baseURL = 'https://api.example.com';
const managers: TokenManager[] = [];
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
});

/** The first call to each path gets a 401 for `at-0`; after that `answer` decides. */
async function setup(create: typeof axios.create, answer: (call: FakeCall) => FakeAnswer) {
  const api = fakeApi((call) =>
    call.authorization === 'Bearer at-0'
      ? { status: 401, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } }
      : answer(call),
  );
  const { tokens, fetchTokens } = await countingTokens();
  managers.push(tokens);
  const instance = create({ baseURL, adapter: api.adapter as never }) as AxiosInstance;
  attachTokenManager(instance, tokens);
  return { instance, fetchTokens, calls: api.calls };
}

describe('a replay’s config sent again by the app', () => {
  it('newest axios: re-sent while in flight with the app’s own Authorization, it goes with that header (no loop)', async () => {
    let polled = 0;
    const { instance, fetchTokens, calls } = await setup(axios.create, () =>
      polled++ === 0 ? { status: 202 } : { status: 200 },
    );
    // An app's poller: a 202 is asked again, with a header of its own.
    instance.interceptors.response.use((response) =>
      response.status === 202
        ? instance.request({ ...response.config, headers: { Authorization: 'Bearer mine' } })
        : response,
    );

    expect((await instance.get('/jobs/1')).status).toBe(200);
    expect(calls.map((call) => call.authorization)).toEqual(['Bearer at-0', 'Bearer at-1', 'Bearer mine']);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });
});
