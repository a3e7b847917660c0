import { afterEach, describe, expect, it, vi } from 'vitest';
import { TokenManager } from './token-manager.js';
import type { FetchTokens } from './token-manager-options.js';
import type { TokenResponse } from './token-set.js';

function testClock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function jwtWith(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.signature`;
}

const managers: TokenManager[] = [];
afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
});

function setup(answer: (n: number, now: number) => TokenResponse) {
  const clock = testClock();
  let calls = 0;
  const fetchTokens = vi.fn<FetchTokens>(async () => answer(++calls, clock.now()));
  const tokens = new TokenManager({ fetchTokens, clock: clock.now, retry: false });
  managers.push(tokens);
  return { tokens, fetchTokens, clock };
}

describe('tokens that arrive already expired', () => {
  it.each([
    ['expires_in: 0', (n: number) => ({ access_token: `at-${n}`, expires_in: 0 })],
    [
      'a JWT whose exp is in the past',
      (n: number, now: number) => ({ access_token: jwtWith({ n, exp: Math.floor(now / 1000) - 3600 }) }),
    ],
    [
      'a lifetime shorter than the refresh margin would leave (skewed clock)',
      (n: number, now: number) => ({ access_token: jwtWith({ n, exp: Math.floor(now / 1000) - 1, iat: 0 }) }),
    ],
  ])('cost one token request for 5 sequential calls, not 5 (%s)', async (_, answer) => {
    const { tokens, fetchTokens } = setup(answer);
    for (let call = 0; call < 5; call++) await tokens.getAccessToken();
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('reuses such a set for 1 s, doubling while sets keep arriving already due', async () => {
    const { tokens, fetchTokens, clock } = setup((n) => ({ access_token: `at-${n}`, expires_in: 0 }));
    await tokens.getAccessToken();
    // One call every 100 ms for 31 s: requests at 0, 1, 3, 7, 15 and 31 s.
    for (let step = 0; step < 310; step++) {
      clock.advance(100);
      await tokens.getAccessToken();
    }
    expect(fetchTokens).toHaveBeenCalledTimes(6);
  });

  it('goes back to the normal rule as soon as a set with a real lifetime arrives', async () => {
    let lifetime = 0;
    const { tokens, fetchTokens, clock } = setup((n) => ({ access_token: `at-${n}`, expires_in: lifetime }));
    await tokens.getAccessToken();
    clock.advance(1_000);
    lifetime = 3600;
    await tokens.getAccessToken();
    expect(fetchTokens).toHaveBeenCalledTimes(2);
    clock.advance(3600_000 - 30_000 - 1);
    await tokens.getAccessToken();
    expect(fetchTokens).toHaveBeenCalledTimes(2);
    clock.advance(1);
    await tokens.getAccessToken();
    expect(fetchTokens).toHaveBeenCalledTimes(3);
  });

  it('still refreshes at once when asked: forceRefresh and invalidate are not bounded by the floor', async () => {
    const { tokens, fetchTokens } = setup((n) => ({ access_token: `at-${n}`, expires_in: 0 }));
    await tokens.getAccessToken();
    await tokens.getAccessToken({ forceRefresh: true });
    expect(fetchTokens).toHaveBeenCalledTimes(2);
    expect(tokens.invalidate('at-2')).toBe(true);
    expect(await tokens.getAccessToken()).toBe('at-3');
  });
});
