import { type FetchTokens, TokenManager } from '@tessera/core';
import { createDPoP } from '@tessera/dpop';
import axios, { type AxiosError, type AxiosInstance } from 'axios';
import axios112 from 'axios-1-12';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { fakeApi, testClock } from '../test/fake-api.js';
import { attachTokenManager } from './attach-token-manager.js';

// A config re-sent by the caller (axios-retry, `instance.request(error.config)`) after our replay was
// refused: within the manager's rejection cooldown (decision 0011) its 401 stands without a refresh;
// after it, it is the caller's own request (one refresh, one replay), on every supported axios. And a
// config we send again ourselves, a redirect hop of our replay, stays the replay (decision 0200).

const managers: TokenManager[] = [];
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
});

const versions = [
  ['axios 1.12.0', axios112.create.bind(axios112) as unknown as typeof axios.create],
  ['newest axios', axios.create.bind(axios)],
] as const;

describe.each(versions)('%s: error.config of a refused replay, sent again', (_name, create) => {
  /** An API that accepts only `at-2`: the first send (`at-0`) and its replay (`at-1`) are refused. */
  async function setup() {
    const clock = testClock();
    const { tokens, fetchTokens } = await countingTokens({ clock: clock.now });
    managers.push(tokens);
    const api = fakeApi((call) =>
      call.authorization === 'Bearer at-2'
        ? { status: 200 }
        : { status: 401, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } },
    );
    const instance: AxiosInstance = create({ baseURL: 'https://api.example.com', adapter: api.adapter });
    attachTokenManager(instance, tokens);
    const error = (await instance.get('/orders').catch((e: unknown) => e)) as AxiosError;
    expect(error.response?.status).toBe(401);
    expect(api.calls.map((call) => call.authorization)).toEqual(['Bearer at-0', 'Bearer at-1']);
    return { instance, fetchTokens, calls: api.calls, error, clock };
  }

  it('within the rejection cooldown: sent once with the refused token, its 401 stands, no refresh', async () => {
    const { instance, fetchTokens, calls, error } = await setup();
    await expect(instance.request(error.config ?? {})).rejects.toMatchObject({ response: { status: 401 } });
    expect(calls.map((call) => call.authorization)).toEqual(['Bearer at-0', 'Bearer at-1', 'Bearer at-1']);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('after the cooldown: one refresh and one replay, as for any request of the caller', async () => {
    const { instance, fetchTokens, calls, error, clock } = await setup();
    clock.advance(30_001); // rejectionCooldown: 30 s
    const again = await instance.request(error.config ?? {});
    expect(again.status).toBe(200);
    expect(calls.map((call) => call.authorization)).toEqual([
      'Bearer at-0',
      'Bearer at-1',
      'Bearer at-1',
      'Bearer at-2',
    ]);
    expect(fetchTokens).toHaveBeenCalledTimes(2);
  });
});

describe.each(versions)('%s: a redirect hop of our replay (DPoP: Tessera follows it)', (_name, create) => {
  it('is still the replay: its 401 is never replayed again, even with no rejection cooldown', async () => {
    let issued = 0;
    const fetchTokens = vi.fn<FetchTokens>(async () => ({
      access_token: `at-${++issued}`,
      token_type: 'DPoP',
      expires_in: 300,
    }));
    const tokens = new TokenManager({
      fetchTokens,
      retry: false,
      rejectionCooldown: 0,
      tokenTypes: ['DPoP'],
    });
    managers.push(tokens);
    await tokens.setTokens({
      access_token: 'at-0',
      token_type: 'DPoP',
      expires_in: 300,
      refresh_token: 'rt',
    });
    const api = fakeApi((call) =>
      call.url.endsWith('|/start') && call.authorization === 'DPoP at-1'
        ? { status: 302, headers: { Location: 'https://api.example.com/hop' } }
        : { status: 401, headers: { 'WWW-Authenticate': 'DPoP error="invalid_token"' } },
    );
    const instance: AxiosInstance = create({ baseURL: 'https://api.example.com', adapter: api.adapter });
    attachTokenManager(instance, tokens, { senderConstraint: createDPoP() });
    await expect(instance.get('/start')).rejects.toMatchObject({ response: { status: 401 } });
    expect(api.calls.map((call) => [call.url.split('|')[1], call.authorization])).toEqual([
      ['/start', 'DPoP at-0'],
      ['/start', 'DPoP at-1'],
      ['https://api.example.com/hop', 'DPoP at-1'],
    ]);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });
});
