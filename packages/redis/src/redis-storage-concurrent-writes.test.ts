import { randomBytes } from 'node:crypto';
import type { TokenResponse } from '@tessera/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeRedis } from '../test/fake-redis.js';
import { countingFetch, deferred, KEY, REDIS_KEY, replica } from '../test/replica.js';
import { redisTokenCache } from './redis-token-cache.js';

const LOCK_KEY = `tessera:lock:tessera:${KEY}`;
const HOUR = 3_600_000;

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** The access token Redis holds now. */
const storedToken = (redis: FakeRedis): unknown => JSON.parse(redis.peek(REDIS_KEY) ?? 'null')?.accessToken;

/**
 * Two replicas refresh at once: the slow one takes the lock and sends its token request, the lock
 * expires while the endpoint is slow, and a minute later the other one locks, requests and stores its
 * set. Then the slow request is answered with `answer`. Clocks move with `vi.setSystemTime`.
 */
async function lostLockRace(answer: TokenResponse, subscribe: boolean) {
  const redis = new FakeRedis();
  const slowAnswer = deferred<TokenResponse>();
  const slow = replica(redis, () => slowAnswer.promise, { subscribe });
  const late = replica(redis, countingFetch(3_600).fetchTokens, { subscribe });

  const slowToken = slow.manager.getAccessToken();
  await vi.advanceTimersByTimeAsync(0);
  expect(redis.peek(LOCK_KEY)).toBeDefined();
  await redis.client().sendCommand(['DEL', LOCK_KEY]); // the slow replica's lock expires
  vi.setSystemTime(Date.now() + 60_000);
  expect(await late.manager.getAccessToken()).toBe('at-1');
  slowAnswer.resolve(answer);
  return { redis, slow, late, slowToken: await slowToken };
}

describe('redisTokenCache storage when two replicas write at once (a lost lock)', () => {
  it.each([
    ['without', false],
    ['with', true],
  ])(
    'keeps the later-expiring set, and the replica that wrote last uses it (%s pub/sub)',
    async (_, subscribe) => {
      // Sent a minute before the other request, with the same lifetime: it expires a minute earlier.
      const { redis, slow, late, slowToken } = await lostLockRace(
        { access_token: 'slow', expires_in: 3_600 },
        subscribe,
      );

      expect(slowToken).toBe('at-1');
      expect(storedToken(redis)).toBe('at-1');
      expect(redis.pttl(REDIS_KEY)).toBe(HOUR);
      expect(slow.events.map((event) => event.type)).toEqual(['loaded', 'synced']);
      expect(slow.manager.peekTokens()?.accessToken).toBe('at-1');
      expect(late.manager.peekTokens()?.accessToken).toBe('at-1');
      expect(await slow.manager.getAccessToken()).toBe('at-1');
    },
  );

  it('lets the replica that wrote last replace the set when its own expires later', async () => {
    // Without pub/sub: with it, the slow replica adopts the set published first while it waits for
    // its answer (core's rule for a set that arrives during a refresh), and writes nothing.
    const answer = { access_token: 'slow', expires_in: 7_200 };
    const { redis, slow, late, slowToken } = await lostLockRace(answer, false);

    expect(slowToken).toBe('slow');
    expect(storedToken(redis)).toBe('slow');
    expect(redis.pttl(REDIS_KEY)).toBe(2 * HOUR - 60_000);
    expect(slow.events.map((event) => event.type)).toEqual(['loaded', 'refreshed']);
    expect(late.manager.peekTokens()?.accessToken).toBe('at-1'); // until its next refresh reads Redis
  });

  it('replaces a stored set it has read, however long that one lives: a token an API rejected', async () => {
    const redis = new FakeRedis();
    const rejected = { accessToken: 'rejected', tokenType: 'Bearer', expiresAt: Date.now() + 2 * HOUR };
    redis.put(REDIS_KEY, JSON.stringify(rejected), 2 * HOUR);
    const fetch = countingFetch(3_600);
    const { manager } = replica(redis, fetch.fetchTokens, { subscribe: false });
    expect(await manager.getAccessToken()).toBe('rejected');

    expect(manager.invalidate('rejected')).toBe(true);

    expect(await manager.getAccessToken()).toBe('at-1');
    expect(storedToken(redis)).toBe('at-1');
    expect(redis.pttl(REDIS_KEY)).toBe(HOUR);
    expect(fetch.calls()).toBe(1);
  });

  it('replaces an unreadable value it has read, however long that one lives', async () => {
    const redis = new FakeRedis();
    redis.put(REDIS_KEY, JSON.stringify({ accessToken: 'planted', tokenType: 'Bearer' }), 2 * HOUR);
    const { manager, cacheEvents } = replica(redis, countingFetch(3_600).fetchTokens, {
      encryptionKey: randomBytes(32),
    });

    expect(await manager.getAccessToken()).toBe('at-1');

    expect(cacheEvents[0]).toMatchObject({ type: 'invalid_entry', error: { reason: 'not_encrypted' } });
    expect(redis.peek(REDIS_KEY)).toMatch(/^v1\./);
    expect(redis.pttl(REDIS_KEY)).toBe(HOUR);
  });

  it('keeps a value it has never seen that outlives its write, and replaces one without expiry', async () => {
    const redis = new FakeRedis();
    const storage = redisTokenCache({ client: redis.client() }).storage(KEY);
    const heard: unknown[] = [];
    storage.subscribe?.((tokens) => heard.push(tokens));
    const other = { accessToken: 'other', tokenType: 'Bearer', expiresAt: Date.now() + HOUR };
    const mine = { accessToken: 'mine', tokenType: 'Bearer', expiresAt: Date.now() + HOUR };
    redis.put(REDIS_KEY, JSON.stringify(other), HOUR);

    await storage.set(mine);
    expect(storedToken(redis)).toBe('other');
    expect(heard).toEqual([other]);

    await redis.client().sendCommand(['SET', REDIS_KEY, JSON.stringify(other)]); // no expiry: not ours
    await storage.set(mine);
    expect(storedToken(redis)).toBe('mine');
    expect(redis.pttl(REDIS_KEY)).toBe(HOUR);
    expect(heard).toEqual([other]);
  });
});
