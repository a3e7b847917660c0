import { type FetchTokens, TokenManager } from '@tessera/core';
import ky from 'ky';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { kyHooks } from './ky-hooks.js';
import { withTokens } from './with-tokens.js';

/**
 * The catalogue's "Infinite 401 loops" for `withTokens` and `kyHooks`: with `rejectionCooldown: 0` the manager
 * accepts every invalidation, so nothing but the wrapper's own once-only replay stops a second
 * refresh-and-replay of a request whose replay was refused.
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
  const sent: Array<{ url: string; authorization: string | null }> = [];
  // Refuses the first `refusals` requests whatever token they carry (an API that rejects new tokens too).
  const api = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    sent.push({ url: request.url, authorization: request.headers.get('authorization') });
    return sent.length <= refusals
      ? new Response(null, { status: 401, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } })
      : Response.json({ ok: true });
  });
  const fetch = withTokens(api as typeof globalThis.fetch, tokens, { baseUrl: 'https://api.example.com' });
  return { fetch, fetchTokens, sent, tokens, api };
}

describe('withTokens: a replay is never replayed (no rejection cooldown)', () => {
  it('returns the replay’s 401 after one refresh and one replay, though the next token would be accepted', async () => {
    const { fetch, fetchTokens, sent } = await setup(2);
    const response = await fetch('/orders');
    expect(response.status).toBe(401);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(sent.map((call) => call.authorization)).toEqual(['Bearer at-0', 'Bearer at-1']);
  });

  it('sends each of 100 concurrent requests at most twice when the API refuses every token they can carry', async () => {
    // 300 refusals: more than 100 requests can cost, so a loop would end in errors here, never hang.
    const { fetch, sent } = await setup(300);
    const responses = await Promise.all(Array.from({ length: 100 }, (_, i) => fetch(`/orders/${i}`)));
    expect(responses.every((response) => response.status === 401)).toBe(true);
    const perUrl = new Map<string, number>();
    for (const call of sent) perUrl.set(call.url, (perUrl.get(call.url) ?? 0) + 1);
    expect(sent).toHaveLength(200);
    expect(Math.max(...perUrl.values())).toBe(2);
  });
});

describe('kyHooks: a replay is never replayed (no rejection cooldown)', () => {
  it('answers with the replay’s 401 after one refresh and one replay, though ky could retry again and the next token would be accepted', async () => {
    const { fetchTokens, sent, tokens, api } = await setup(2);
    const API = 'https://api.example.com';
    const client = ky.create({
      prefixUrl: API,
      fetch: api,
      hooks: kyHooks(ky, tokens, { origins: API }),
      throwHttpErrors: false,
    });
    const response = await client.get('orders');
    expect(response.status).toBe(401);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(sent.map((call) => call.authorization)).toEqual(['Bearer at-0', 'Bearer at-1']);
  });
});
