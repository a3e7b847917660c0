import { type FetchTokens, TokenManager } from '@tessera/core';
import axios, { type AxiosError } from 'axios';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi } from '../test/fake-api.js';
import { attachTokenManager } from './attach-token-manager.js';

/**
 * The catalogue's "Infinite 401 loops" (axios-auth-refresh#97, #120; axios-jwt#4): a replay is
 * intercepted again. With `rejectionCooldown: 0` the manager accepts every invalidation, so nothing
 * but the replay's own mark stops a second refresh-and-replay of a request whose replay was refused.
 */

const managers: TokenManager[] = [];
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
});

async function setup(refusals: number) {
  let issued = 0;
  const fetchTokens = vi.fn<FetchTokens>(async () => ({
    access_token: `at-${++issued}`,
    expires_in: 300,
    refresh_token: 'rt',
  }));
  const tokens = new TokenManager({ fetchTokens, retry: false, rejectionCooldown: 0 });
  managers.push(tokens);
  await tokens.setTokens({ access_token: 'at-0', expires_in: 300, refresh_token: 'rt' });
  // Refuses the first `refusals` requests whatever token they carry (an API that rejects new tokens too).
  let answered = 0;
  const api = fakeApi(() =>
    ++answered <= refusals
      ? { status: 401, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } }
      : { status: 200 },
  );
  const instance = axios.create({ baseURL: 'https://api.example.com', adapter: api.adapter });
  attachTokenManager(instance, tokens);
  return { instance, fetchTokens, calls: api.calls };
}

describe('attachTokenManager: a replay is never replayed (no rejection cooldown)', () => {
  it('rejects with the replay’s 401 after one refresh and one replay, though the next token would be accepted', async () => {
    const { instance, fetchTokens, calls } = await setup(2);
    const error = (await instance.get('/orders').catch((caught: unknown) => caught)) as AxiosError;
    expect(error.response?.status).toBe(401);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(calls.map((call) => call.authorization)).toEqual(['Bearer at-0', 'Bearer at-1']);
  });

  it('sends each of 100 concurrent requests at most twice when the API refuses every token they can carry', async () => {
    // 300 refusals: more than 100 requests can cost, so a loop would end in errors here, never hang.
    const { instance, calls } = await setup(300);
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) => instance.get(`/orders/${i}`)),
    );
    expect(results.every((result) => result.status === 'rejected')).toBe(true);
    const perUrl = new Map<string, number>();
    for (const call of calls) perUrl.set(call.url, (perUrl.get(call.url) ?? 0) + 1);
    expect(calls).toHaveLength(200);
    expect(Math.max(...perUrl.values())).toBe(2);
  });
});
