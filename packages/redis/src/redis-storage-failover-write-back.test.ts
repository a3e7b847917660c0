import { randomBytes } from 'node:crypto';
import type { TokenSet } from '@tessera/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeRedis } from '../test/fake-redis.js';
import { KEY, REDIS_KEY } from '../test/replica.js';
import { WRITE_SCRIPT } from './internal/write-script.js';
import { redisTokenCache } from './redis-token-cache.js';

const HOUR = 3_600_000;

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

/** A replica's storage on `redis`, as in its own process. */
const storageOn = (redis: FakeRedis, subscribe = false) =>
  redisTokenCache({
    client: redis.client(),
    ...(subscribe ? { subscriber: redis.subscriber() } : {}),
  }).storage(KEY);

/** The refresh token Redis holds now. */
const stored = (redis: FakeRedis): unknown => JSON.parse(redis.peek(REDIS_KEY) ?? 'null')?.refreshToken;

/** A failover to a replica that missed the last write: Redis holds `value` again, and nobody heard it. */
const failover = (redis: FakeRedis, value: string) =>
  redis.client().sendCommand(['SET', REDIS_KEY, value, 'PX', String(HOUR)]);

describe('redisStorage after a failover brought back the set its write replaced (decision 0507, stop 37)', () => {
  it('writes its set back over it once, at the read that finds it, and never again for that write', async () => {
    const redis = new FakeRedis();
    const a = storageOn(redis);
    await a.set(set(1));
    const old = redis.peek(REDIS_KEY) as string;
    await a.set(set(2));
    expect(redis.countScript(WRITE_SCRIPT)).toBe(2);

    await failover(redis, old);
    expect(await a.get()).toMatchObject({ refreshToken: 'rt-1' }); // what Redis answered
    await vi.advanceTimersByTimeAsync(0);
    expect(stored(redis)).toBe('rt-2');
    expect(redis.countScript(WRITE_SCRIPT)).toBe(3);

    // A second failover to the same old set: the write-back was spent.
    await failover(redis, old);
    expect(await a.get()).toMatchObject({ refreshToken: 'rt-1' });
    await vi.advanceTimersByTimeAsync(0);
    expect(redis.countScript(WRITE_SCRIPT)).toBe(3);
    expect(stored(redis)).toBe('rt-1');
  });

  it('writes once over the same bytes stored again by another replica (an unencrypted setTokens() of the older set), never twice; never with encryption', async () => {
    // The known limit: a value equal byte for byte to the one its write replaced is taken for it.
    const redis = new FakeRedis();
    const a = storageOn(redis);
    const b = storageOn(redis);
    const older = set(1);
    await a.set(older);
    const old = redis.peek(REDIS_KEY) as string;
    await a.set(set(2));
    await b.get(); // B saw rt-2, and stores the older set over it: the same bytes
    await b.set(older);
    expect(redis.peek(REDIS_KEY)).toBe(old);

    expect(await a.get()).toMatchObject({ refreshToken: 'rt-1' });
    await vi.advanceTimersByTimeAsync(0);
    expect(stored(redis)).toBe('rt-2'); // written over it, once
    expect(redis.countScript(WRITE_SCRIPT)).toBe(4);
    // B's own write is written back once in turn, at its read of rt-2; then both are spent.
    expect(await b.get()).toMatchObject({ refreshToken: 'rt-2' });
    await vi.advanceTimersByTimeAsync(0);
    expect(stored(redis)).toBe('rt-1');
    for (let i = 0; i < 10; i += 1) {
      await a.get();
      await b.get();
    }
    await vi.advanceTimersByTimeAsync(0);
    expect(stored(redis)).toBe('rt-1');
    expect(redis.countScript(WRITE_SCRIPT)).toBe(5); // A: 2 + 1 write-back; B: 1 + 1 write-back

    // With encryptionKey every write has its own IV: the same set stored again is other bytes.
    const encrypted = new FakeRedis();
    const encryptionKey = randomBytes(32);
    const on = () => redisTokenCache({ client: encrypted.client(), encryptionKey }).storage(KEY);
    const [c, d] = [on(), on()];
    await c.set(older);
    await c.set(set(2));
    await d.get();
    await d.set(older);
    expect((await c.get()) as TokenSet).toMatchObject({ refreshToken: 'rt-1' });
    await vi.advanceTimersByTimeAsync(0);
    expect(encrypted.countScript(WRITE_SCRIPT)).toBe(3); // no write-back
  });

  it('forgets its write once it read another set there, and never writes it back over that one', async () => {
    const redis = new FakeRedis();
    const a = storageOn(redis);
    const b = storageOn(redis);
    await a.set(set(1));
    const old = redis.peek(REDIS_KEY) as string;
    await a.set(set(2));
    await b.get();
    await b.set(set(3)); // B refreshed with rt-2
    expect(await a.get()).toMatchObject({ refreshToken: 'rt-3' });

    await failover(redis, old);
    expect(await a.get()).toMatchObject({ refreshToken: 'rt-1' });
    await vi.advanceTimersByTimeAsync(0);
    expect(redis.countScript(WRITE_SCRIPT)).toBe(3);
    expect(stored(redis)).toBe('rt-1');
  });

  it('never writes a signed-out set back: a sign-out after its write forgets the write', async () => {
    const redis = new FakeRedis();
    const a = storageOn(redis);
    await a.set(set(1));
    const old = redis.peek(REDIS_KEY) as string;
    await a.set(set(2));
    await a.remove();

    await failover(redis, old);
    await a.get();
    await vi.advanceTimersByTimeAsync(0);
    expect(redis.countScript(WRITE_SCRIPT)).toBe(2);
    expect(stored(redis)).toBe('rt-1');
  });

  it('writes nothing back once its set expired: no expired set is stored, and its write is spent', async () => {
    const redis = new FakeRedis();
    const a = storageOn(redis);
    await a.set(set(1, 2 * HOUR));
    const old = redis.peek(REDIS_KEY) as string;
    await a.set(set(2, 60_000));
    vi.advanceTimersByTime(60_000);

    await failover(redis, old);
    expect(await a.get()).toMatchObject({ refreshToken: 'rt-1' });
    await vi.advanceTimersByTimeAsync(0);
    expect(redis.countScript(WRITE_SCRIPT)).toBe(2);
    expect(stored(redis)).toBe('rt-1');
  });

  it('is not set off by a message carrying the set its write replaced (published before the write, delivered after it)', async () => {
    const redis = new FakeRedis();
    const a = storageOn(redis, true);
    const heard: unknown[] = [];
    a.subscribe?.((tokens) => heard.push((tokens as TokenSet | null)?.refreshToken));
    await a.set(set(1));
    const old = redis.peek(REDIS_KEY) as string;
    await a.set(set(2));
    await redis.client().sendCommand(['PUBLISH', REDIS_KEY, old]);
    await redis.client().sendCommand(['PUBLISH', REDIS_KEY, redis.peek(REDIS_KEY) as string]);
    await vi.advanceTimersByTimeAsync(0);
    expect(heard).toEqual(['rt-1', 'rt-2', 'rt-1', 'rt-2']);
    expect(redis.countScript(WRITE_SCRIPT)).toBe(2);

    // The write is still remembered: the failover that follows is repaired.
    await failover(redis, old);
    await a.get();
    await vi.advanceTimersByTimeAsync(0);
    expect(stored(redis)).toBe('rt-2');
    expect(redis.countScript(WRITE_SCRIPT)).toBe(3);
  });

  it('ends after one write-back each when two storages each wrote one set over the other, read as often as they like', async () => {
    const redis = new FakeRedis();
    const a = storageOn(redis);
    const b = storageOn(redis);
    await a.set(set(1));
    const one = redis.peek(REDIS_KEY) as string;
    await a.set(set(2)); // A: rt-2 over rt-1
    const two = redis.peek(REDIS_KEY) as string;
    await b.get();
    await b.set(set(1)); // B: rt-1 over rt-2 (a setTokens() of the older set)
    expect(redis.peek(REDIS_KEY)).toBe(one);
    expect(redis.countScript(WRITE_SCRIPT)).toBe(3);

    for (let round = 0; round < 10; round += 1) {
      await a.get();
      await vi.advanceTimersByTimeAsync(0);
      await b.get();
      await vi.advanceTimersByTimeAsync(0);
    }
    // A wrote rt-2 back over rt-1 once, B rt-1 back over rt-2 once; then neither writes again.
    expect(redis.countScript(WRITE_SCRIPT)).toBe(5);
    expect(redis.peek(REDIS_KEY)).toBe(one);
    expect(two).not.toBe(one);
  });

  // Stop 37 follow-up: a set() while the write-back's reply has not arrived. Redis runs the commands of
  // one connection in order, so that set() finds the written-back set, whose refresh token it just spent.
  /** A read that finds `old` and sends the write-back, held unanswered (Redis frozen) when it resolves. */
  const readWithWriteBackInFlight = async (redis: FakeRedis, a: ReturnType<typeof storageOn>) => {
    redis.mode = 'frozen';
    const read = a.get();
    redis.thaw(); // answers the GET…
    redis.mode = 'frozen'; // …and holds the write-back that the answer sends
    expect(await read).toMatchObject({ refreshToken: 'rt-1' });
    expect(redis.countScript(WRITE_SCRIPT)).toBe(3);
  };

  it('stores a set written while its write-back is unanswered over the set written back', async () => {
    const redis = new FakeRedis();
    const a = storageOn(redis);
    const heard: unknown[] = [];
    a.subscribe?.((tokens) => heard.push((tokens as TokenSet | null)?.refreshToken));
    await a.set(set(1));
    const old = redis.peek(REDIS_KEY) as string;
    await a.set(set(2));
    await failover(redis, old);
    await readWithWriteBackInFlight(redis, a);

    const written = a.set(set(3, 30 * 60_000)); // refreshed with rt-2; expires before set 2
    redis.thaw();
    await written;
    await vi.advanceTimersByTimeAsync(0);
    expect(stored(redis)).toBe('rt-3');
    expect(heard).toEqual([]);
  });

  it('hands its managers the set another replica stored before its write-back ran, also at a set() sent meanwhile', async () => {
    const redis = new FakeRedis();
    const a = storageOn(redis);
    const b = storageOn(redis);
    const heard: unknown[] = [];
    a.subscribe?.((tokens) => heard.push((tokens as TokenSet | null)?.refreshToken));
    await a.set(set(1));
    const old = redis.peek(REDIS_KEY) as string;
    await a.set(set(2));
    await failover(redis, old);
    await b.get(); // B reads the old set too
    redis.mode = 'frozen';
    const read = a.get();
    const other = b.set(set(9, 2 * HOUR)); // stored over the old set just after A's read
    redis.thaw();
    redis.mode = 'frozen'; // holds A's write-back
    await Promise.all([read, other]);
    const written = a.set(set(3, 30 * 60_000)); // sent before the write-back's reply, expires before set 9
    redis.thaw();
    await written;
    await vi.advanceTimersByTimeAsync(0);
    expect(redis.countScript(WRITE_SCRIPT)).toBe(5);
    expect(stored(redis)).toBe('rt-9'); // the write-back's compare failed, and so did the set's
    expect(heard).toEqual(['rt-9', 'rt-9']); // from each failed compare: what Redis holds

    await a.set(set(4, 30 * 60_000)); // over the set it heard
    expect(stored(redis)).toBe('rt-4');
  });

  it('stores its next set over the old one when its write-back failed (Redis still holds that one)', async () => {
    const redis = new FakeRedis();
    const a = storageOn(redis);
    await a.set(set(1));
    const old = redis.peek(REDIS_KEY) as string;
    await a.set(set(2));
    await failover(redis, old);
    redis.mode = 'frozen';
    const read = a.get();
    redis.thaw();
    redis.mode = 'fail'; // the write-back is refused
    await read;
    redis.mode = 'up';
    await vi.advanceTimersByTimeAsync(2_000); // past the cool-down after a failed command
    expect(stored(redis)).toBe('rt-1');

    await a.set(set(3, 30 * 60_000)); // refreshed with rt-2; expires before the old set
    expect(stored(redis)).toBe('rt-3');
  });
});
