import { type FetchTokens, TokenManager } from '@tessera/core';
import axios from 'axios';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeApi } from '../test/fake-api.js';
import { attachTokenManager } from './attach-token-manager.js';

/**
 * The catalogue's "A refresh per call or per request": an API that rejects every new token. Within
 * the manager's `rejectionCooldown` the token is not invalidated again, so there is no other token to
 * replay with: the 401 stands, and the request is not sent a second time with the token it carried.
 */

const managers: TokenManager[] = [];
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
});

describe('attachTokenManager: an API that rejects every new token', () => {
  it('costs one token request and one send per request, never a replay with the same token', async () => {
    let issued = 0;
    const fetchTokens = vi.fn<FetchTokens>(async () => ({ access_token: `at-${++issued}`, expires_in: 300 }));
    const tokens = new TokenManager({ fetchTokens, retry: false });
    managers.push(tokens);
    await tokens.setTokens({ access_token: 'at-0', expires_in: 300, refresh_token: 'rt' });
    const api = fakeApi(() => ({
      status: 401,
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    }));
    const instance = axios.create({ baseURL: 'https://api.example.com', adapter: api.adapter });
    attachTokenManager(instance, tokens);

    await expect(instance.get('/first')).rejects.toMatchObject({ response: { status: 401 } });
    expect(api.calls.map((call) => call.authorization)).toEqual(['Bearer at-0', 'Bearer at-1']);
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) => instance.get(`/orders/${i}`)),
    );

    expect(results.every((result) => result.status === 'rejected')).toBe(true);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(api.calls).toHaveLength(102);
    expect(api.calls.slice(2).every((call) => call.authorization === 'Bearer at-1')).toBe(true);
  });
});
