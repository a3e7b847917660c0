import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeRedis } from '../test/fake-redis.js';
import { KEY, REDIS_KEY } from '../test/replica.js';
import { redisTokenCache } from './redis-token-cache.js';

const HOUR = 3_600_000;

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('redisTokenCache storage, a deletion of the replaced set that failed', () => {
  it('stores the next set over the one still in Redis, so no replica is handed its spent refresh token', async () => {
    const redis = new FakeRedis();
    const storage = redisTokenCache({ client: redis.client() }).storage(KEY);
    await storage.set({
      accessToken: 'at-1',
      tokenType: 'Bearer',
      refreshToken: 'rt-1',
      expiresAt: Date.now() + HOUR,
    });

    // A set that may not be shared (no expiry) replaces it; Redis is unreachable: the deletion fails.
    redis.mode = 'fail';
    await expect(
      storage.set({ accessToken: 'at-2', tokenType: 'Bearer', refreshToken: 'rt-2' }),
    ).rejects.toThrow();
    expect(JSON.parse(redis.peek(REDIS_KEY) ?? '{}')).toMatchObject({ refreshToken: 'rt-1' }); // still there
    redis.mode = 'up';
    await vi.advanceTimersByTimeAsync(1_000); // past the cool-down after a failed command

    // The next set lives shorter than the one left in Redis: this storage wrote that one, so it replaces it.
    await storage.set({
      accessToken: 'at-3',
      tokenType: 'Bearer',
      refreshToken: 'rt-3',
      expiresAt: Date.now() + 10 * 60_000,
    });

    expect(JSON.parse(redis.peek(REDIS_KEY) ?? '{}')).toMatchObject({
      accessToken: 'at-3',
      refreshToken: 'rt-3',
    });
    const restarted = redisTokenCache({ client: redis.client() }).storage(KEY);
    expect(await restarted.get()).toMatchObject({ accessToken: 'at-3', refreshToken: 'rt-3' });
  });
});
