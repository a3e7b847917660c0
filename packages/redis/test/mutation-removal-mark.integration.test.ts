import { describe, expect, it } from 'vitest';
import { redisTokenCache } from '../src/redis-token-cache.js';
import { tokenCacheKey } from '../src/token-cache-key.js';
import { redisSuite } from './redis-suite.js';

/**
 * Mutation check of the write script's removal-mark rule on a real redis-server (FakeRedis runs its
 * own copy of the rule, so only Redis sees a change to the Lua): a sign-out's empty mark is kept by
 * a write that has not seen it whatever the write's life. The existing test wrote a set that lives
 * shorter than the mark, which the expiry rule alone refuses; a late refresh with a longer life
 * than what is left of the mark resurrected the signed-out session without the `stored == ''` rule.
 */

const redis = redisSuite();

describe('redisTokenCache storage on a real Redis: a late write after a sign-out', () => {
  it('keeps the mark of a short-lived set against a write that lives longer, and its managers hear the sign-out', async () => {
    const key = tokenCacheKey({ tokenUrl: 'https://auth.example.com/token', clientId: 'svc-mutation-mark' });
    const redisKey = `tessera:tokens:${key}`;
    const client = await redis.connect();
    const set = (accessToken: string, life: number) => ({
      accessToken,
      tokenType: 'Bearer',
      expiresAt: Date.now() + life,
    });
    const writing = redisTokenCache({ client }).storage(key);
    await writing.set(set('before', 60_000)); // this storage has seen `before`, which has a minute left

    await redisTokenCache({ client }).storage(key).remove(); // another replica signs out
    expect(await redis.admin.get(redisKey)).toBe('');
    expect(await redis.admin.pTTL(redisKey)).toBeLessThanOrEqual(60_000);

    const heard: unknown[] = [];
    writing.subscribe?.((tokens) => heard.push(tokens));
    await writing.set(set('late', 7_200_000)); // a refresh that lost the race, with two hours of life

    expect(await redis.admin.get(redisKey)).toBe('');
    expect(heard).toEqual([null]);
  });
});
