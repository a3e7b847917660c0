import type { FetchTokens } from '@tessera/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeRedis } from '../test/fake-redis.js';
import { replica } from '../test/replica.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Sets valid for an hour, counted; past 20 requests it fails, so a refresh loop ends and is counted. */
function countedEndpoint() {
  let calls = 0;
  const fetchTokens: FetchTokens = async () => {
    calls += 1;
    if (calls > 20) throw new Error('refresh loop');
    return { access_token: `at-${calls}`, refresh_token: `rt-${calls}`, expires_in: 3600 };
  };
  return { fetchTokens, calls: () => calls };
}

describe('redisTokenCache storage, a replica hearing its own write through pub/sub', () => {
  it('reports its refresh as refreshed and keeps the rejection cooldown: 2 token requests for 5 rejections, not 5', async () => {
    const redis = new FakeRedis();
    const endpoint = countedEndpoint();
    const { manager, events } = replica(redis, endpoint.fetchTokens);
    for (let call = 0; call < 5; call += 1) {
      const token = manager.getAccessToken();
      await vi.advanceTimersByTimeAsync(0);
      manager.invalidate(await token);
    }
    expect(endpoint.calls()).toBe(2);
    expect(
      events.map((event) => event.type).filter((type) => type === 'refreshed' || type === 'synced'),
    ).toEqual(['refreshed', 'refreshed']);
    manager.dispose();
  });
});
