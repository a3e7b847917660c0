import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TokenEvent } from './events.js';
import { TokenManager } from './token-manager.js';
import type { FetchTokens } from './token-manager-options.js';

function testClock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const managers: TokenManager[] = [];
afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
});

function setup(options: { rejectionCooldown?: number } = {}) {
  const clock = testClock();
  let calls = 0;
  const fetchTokens = vi.fn<FetchTokens>(async () => ({
    access_token: `at-${++calls}`,
    expires_in: 3600,
  }));
  const tokens = new TokenManager({ fetchTokens, clock: clock.now, retry: false, ...options });
  managers.push(tokens);
  const events: TokenEvent[] = [];
  tokens.subscribe((event) => events.push(event));
  return { tokens, fetchTokens, clock, events };
}

/** A transport's answer to a 401 for a request that carried `carried` (the contract of the axios and fetch transports). */
class Unauthorized extends Error {
  constructor(readonly token: string) {
    super('HTTP 401');
  }
}

/**
 * The transports' 401 contract, scripted: send with the current token; on 401 invalidate the
 * carried token and ask again; replay only when that gives another token; on the replay's own 401
 * invalidate the replay's token and reject with that 401.
 */
async function request(tokens: TokenManager, api: (token: string) => number): Promise<number> {
  const carried = (await tokens.getTokens()).accessToken;
  const status = api(carried);
  if (status !== 401) return status;
  tokens.invalidate(carried);
  const replayToken = (await tokens.getTokens()).accessToken;
  if (replayToken === carried) throw new Unauthorized(carried);
  const replayStatus = api(replayToken);
  if (replayStatus === 401) {
    tokens.invalidate(replayToken);
    throw new Unauthorized(replayToken);
  }
  return replayStatus;
}

describe('an API that rejects every new token', () => {
  it('costs at most 2 token requests for 100 requests (transport contract simulated)', async () => {
    const { tokens, fetchTokens, events } = setup();
    const rejectAll = () => 401;
    const outcomes = [];
    for (let n = 0; n < 100; n++) outcomes.push(await request(tokens, rejectAll).catch((error) => error));
    expect(fetchTokens).toHaveBeenCalledTimes(2);
    expect(outcomes.every((outcome) => outcome instanceof Unauthorized)).toBe(true);
    expect(events.filter((event) => event.type === 'invalidation_ignored')).toHaveLength(100);
  });

  it('costs at most 2 token requests for three waves of 100 concurrent requests', async () => {
    const { tokens, fetchTokens } = setup();
    for (let wave = 0; wave < 3; wave++) {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 100 }, () => request(tokens, () => 401)),
      );
      expect(outcomes.every((outcome) => outcome.status === 'rejected')).toBe(true);
    }
    expect(fetchTokens).toHaveBeenCalledTimes(2);
  });

  it('ignores a new rejection of a token that an invalidation brought, within the cooldown, and says why', async () => {
    const { tokens, fetchTokens, clock, events } = setup({ rejectionCooldown: 10_000 });
    await tokens.getAccessToken();
    expect(tokens.invalidate('at-1')).toBe(true);
    expect(await tokens.getAccessToken()).toBe('at-2');
    events.length = 0;
    expect(tokens.invalidate('at-2')).toBe(false);
    expect(events).toEqual([
      { type: 'invalidation_ignored', reason: 'cooldown', until: clock.now() + 10_000 },
    ]);
    expect(await tokens.getAccessToken()).toBe('at-2');
    clock.advance(9_999);
    expect(tokens.invalidate('at-2')).toBe(false);
    clock.advance(1);
    expect(tokens.invalidate('at-2')).toBe(true);
    expect(await tokens.getAccessToken()).toBe('at-3');
    expect(fetchTokens).toHaveBeenCalledTimes(3);
  });

  it('keeps the cooldown at its length when the clock steps back (NTP): a 401 after it is acted on', async () => {
    const { tokens, fetchTokens, clock } = setup({ rejectionCooldown: 10_000 });
    await tokens.getAccessToken();
    expect(tokens.invalidate('at-1')).toBe(true);
    expect(await tokens.getAccessToken()).toBe('at-2');
    expect(tokens.invalidate('at-2')).toBe(false); // within the cooldown
    clock.advance(-3_600_000); // the system clock is corrected an hour back
    // The cooldown cannot have 1 h 10 s left: the 401 is acted on, not ignored for an hour.
    expect(tokens.invalidate('at-2')).toBe(true);
    expect(await tokens.getAccessToken()).toBe('at-3');
    expect(fetchTokens).toHaveBeenCalledTimes(3);
  });

  it('does not hold back the first invalidation of a token obtained for another reason', async () => {
    const { tokens, clock } = setup();
    await tokens.getAccessToken();
    expect(tokens.invalidate('at-1')).toBe(true); // initial token
    await tokens.getAccessToken();
    await tokens.getAccessToken({ forceRefresh: true }); // at-3: forced, not by an invalidation
    clock.advance(1);
    expect(tokens.invalidate('at-3')).toBe(true);
  });

  it('lets a new sign-in end the cooldown', async () => {
    const { tokens } = setup();
    await tokens.getAccessToken();
    tokens.invalidate('at-1');
    await tokens.getAccessToken();
    await tokens.setTokens({ access_token: 'signed-in', expires_in: 3600 });
    expect(tokens.invalidate('signed-in')).toBe(true);
  });

  it('turns off with rejectionCooldown: 0', async () => {
    const { tokens, fetchTokens } = setup({ rejectionCooldown: 0 });
    for (let n = 0; n < 5; n++) await request(tokens, () => 401).catch(() => {});
    expect(fetchTokens).toHaveBeenCalledTimes(1 + 2 * 5 - 1); // the first request refreshes once, every other one twice
  });
});
