import { randomBytes } from 'node:crypto';
import type { TokenSet, TokenStorage } from '@tessera/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeRedis } from '../test/fake-redis.js';
import { KEY, REDIS_KEY } from '../test/replica.js';
import { WRITE_SCRIPT } from './internal/write-script.js';
import type { RedisCacheEvent } from './redis-cache-event.js';
import { redisTokenCache } from './redis-token-cache.js';

// Mutation sweep of the failover write-back (redis-storage.ts `wrote`, `forget`, `restore`; decision
// 0507, stop 37): each test kills a mutant the write-back tests let live.

const HOUR = 3_600_000;
const MINUTE = 60_000;

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

const set = (n: number, life = HOUR): TokenSet => ({
  accessToken: `at-${n}`,
  tokenType: 'Bearer',
  refreshToken: `rt-${n}`,
  expiresAt: Date.now() + life,
});
/** A client credentials set: no refresh token. */
const ccSet = (n: number): TokenSet => ({
  accessToken: `at-${n}`,
  tokenType: 'Bearer',
  expiresAt: Date.now() + HOUR,
});

const storageOn = (
  redis: FakeRedis,
  options: { subscriber?: ReturnType<FakeRedis['subscriber']>; encryptionKey?: Uint8Array } = {},
) => {
  const events: RedisCacheEvent[] = [];
  const storage = redisTokenCache({
    client: redis.client(),
    ...(options.subscriber ? { subscriber: options.subscriber } : {}),
    ...(options.encryptionKey ? { encryptionKey: options.encryptionKey } : {}),
    onEvent: (event) => events.push(event),
  }).storage(KEY);
  return Object.assign(storage, { events });
};

const storedSet = (redis: FakeRedis): TokenSet | null => JSON.parse(redis.peek(REDIS_KEY) || 'null');

const failover = (redis: FakeRedis, value: string) =>
  redis.client().sendCommand(['SET', REDIS_KEY, value, 'PX', String(HOUR)]);

/** A stores set 2 over set 1; returns what Redis held before (set 1's value). */
const twoWrites = async (redis: FakeRedis, a: Pick<TokenStorage, 'set'>, one = set(1), two = set(2)) => {
  await a.set(one);
  const old = redis.peek(REDIS_KEY) as string;
  await a.set(two);
  return old;
};

describe('redisStorage failover write-back, mutation sweep (stop 37)', () => {
  it('forgets its write when it hears another set published there (a message, not a read)', async () => {
    const redis = new FakeRedis();
    const a = storageOn(redis, { subscriber: redis.subscriber() });
    a.subscribe?.(() => {});
    const b = storageOn(redis);
    const old = await twoWrites(redis, a);
    await b.get();
    await b.set(set(3)); // B refreshed with rt-2; A hears rt-3
    await vi.advanceTimersByTimeAsync(0);

    await failover(redis, old);
    await a.get();
    await vi.advanceTimersByTimeAsync(0);
    expect(redis.countScript(WRITE_SCRIPT)).toBe(3);
    expect(storedSet(redis)?.refreshToken).toBe('rt-1'); // never the spent rt-2
  });

  it('writes back nothing once its set expired, and reports no Redis error', async () => {
    const redis = new FakeRedis();
    const a = storageOn(redis);
    const old = await twoWrites(redis, a, set(1), set(2, 10 * MINUTE));
    await vi.advanceTimersByTimeAsync(11 * MINUTE);

    await failover(redis, old);
    await a.get();
    await vi.advanceTimersByTimeAsync(0);
    expect(redis.countScript(WRITE_SCRIPT)).toBe(2);
    expect(a.events).toEqual([]);
  });

  it('writes its set back for what remains of its life, not longer', async () => {
    const redis = new FakeRedis();
    const a = storageOn(redis);
    const old = await twoWrites(redis, a, set(1), set(2, 10 * MINUTE));
    await vi.advanceTimersByTimeAsync(4 * MINUTE);

    await failover(redis, old);
    await a.get();
    await vi.advanceTimersByTimeAsync(0);
    expect(storedSet(redis)?.refreshToken).toBe('rt-2');
    expect(redis.pttl(REDIS_KEY)).toBe(6 * MINUTE);
  });

  it('hands its managers the newer set a write-back found stored meanwhile, and stores the next set over it', async () => {
    const redis = new FakeRedis();
    const a = storageOn(redis);
    const heard: unknown[] = [];
    a.subscribe?.((tokens) => heard.push((tokens as TokenSet | null)?.refreshToken));
    const b = storageOn(redis);
    const old = await twoWrites(redis, a);
    await failover(redis, old);

    redis.mode = 'frozen';
    const read = a.get(); // answered with the old set…
    const written = b.set(set(3, 2 * HOUR)); // …then B stores a newer one, before A's write-back
    redis.thaw();
    await Promise.all([read, written]);
    await vi.advanceTimersByTimeAsync(0);
    expect(heard).toEqual(['rt-3']);
    expect(storedSet(redis)?.refreshToken).toBe('rt-3');

    await a.set(set(4, 3 * HOUR)); // A's next set replaces the one it heard
    expect(storedSet(redis)?.refreshToken).toBe('rt-4');
  });

  it('stores its next set over the one it wrote back (it saw it there)', async () => {
    const redis = new FakeRedis();
    const a = storageOn(redis);
    const heard: unknown[] = [];
    a.subscribe?.((tokens) => heard.push((tokens as TokenSet | null)?.refreshToken));
    const old = await twoWrites(redis, a);
    await failover(redis, old);
    await a.get();
    await vi.advanceTimersByTimeAsync(0);
    expect(storedSet(redis)?.refreshToken).toBe('rt-2');

    await a.set(set(3)); // refreshed with rt-2: as long-lived as the set written back
    expect(storedSet(redis)?.refreshToken).toBe('rt-3');
    expect(heard).toEqual([]);
  });

  it('never writes back a set that a removal it read (a tombstone) ended, also without a refresh token', async () => {
    const redis = new FakeRedis();
    const a = storageOn(redis);
    const b = storageOn(redis);
    const old = await twoWrites(redis, a, ccSet(1), ccSet(2));
    await b.remove();
    expect(await a.get()).toBeUndefined();

    await failover(redis, old);
    await a.get();
    await vi.advanceTimersByTimeAsync(0);
    expect(redis.countScript(WRITE_SCRIPT)).toBe(2);
    expect(storedSet(redis)?.accessToken).toBe('at-1');
  });

  it('still writes back after a read that found the key empty (lost, not replaced)', async () => {
    const redis = new FakeRedis();
    const a = storageOn(redis);
    const old = await twoWrites(redis, a);
    await redis.client().sendCommand(['DEL', REDIS_KEY]);
    expect(await a.get()).toBeUndefined();

    await failover(redis, old);
    await a.get();
    await vi.advanceTimersByTimeAsync(0);
    expect(storedSet(redis)?.refreshToken).toBe('rt-2');
  });

  it('never writes back a set that an unstorable one replaced after it', async () => {
    const redis = new FakeRedis();
    const a = storageOn(redis);
    const old = await twoWrites(redis, a);
    await a.set({ ...set(3), expiresAt: undefined }); // no expiry, no ttlWithoutExpiry: not stored

    await failover(redis, old);
    await a.get();
    await vi.advanceTimersByTimeAsync(0);
    expect(redis.countScript(WRITE_SCRIPT)).toBe(2);
    expect(storedSet(redis)?.refreshToken).toBe('rt-1');
  });

  it('never writes back a set whose successor failed to be stored (its refresh token may be spent)', async () => {
    const redis = new FakeRedis();
    const a = storageOn(redis);
    const old = await twoWrites(redis, a);
    redis.mode = 'fail';
    await expect(a.set(set(3))).rejects.toThrow();
    redis.mode = 'up';
    await vi.advanceTimersByTimeAsync(2_000); // past the cool-down after a failed command

    await failover(redis, old);
    await a.get();
    await vi.advanceTimersByTimeAsync(0);
    expect(redis.countScript(WRITE_SCRIPT)).toBe(3); // the failed one
    expect(storedSet(redis)?.refreshToken).toBe('rt-1');
  });

  it('never writes its first set back over a sign-out it re-reads after a reconnection', async () => {
    const redis = new FakeRedis();
    const subscriber = redis.subscriber();
    const a = storageOn(redis, { subscriber });
    const heard: unknown[] = [];
    a.subscribe?.((tokens) => heard.push((tokens as TokenSet | null)?.refreshToken ?? null));
    const b = storageOn(redis);
    await a.set(set(1)); // over nothing
    subscriber.disconnect();
    await b.remove(); // A misses the message
    subscriber.reconnect();
    await vi.advanceTimersByTimeAsync(0);

    expect(redis.peek(REDIS_KEY)).toBe('');
    expect(redis.countScript(WRITE_SCRIPT)).toBe(1);
    expect(heard).toEqual(['rt-1', null]); // its own write's message, then the sign-out
  });

  it('writes back the very value it stored when encrypted (a new encryption differs), and stores its next set over it', async () => {
    const redis = new FakeRedis();
    const encryptionKey = randomBytes(32);
    const a = storageOn(redis, { encryptionKey });
    const reader = storageOn(redis, { encryptionKey });
    const old = await twoWrites(redis, a);
    const two = redis.peek(REDIS_KEY);
    await failover(redis, old);
    expect(await a.get()).toMatchObject({ refreshToken: 'rt-1' });
    await vi.advanceTimersByTimeAsync(0);
    expect(redis.peek(REDIS_KEY)).toBe(two);

    await a.set(set(3));
    expect(await reader.get()).toMatchObject({ refreshToken: 'rt-3' });
  });
});
