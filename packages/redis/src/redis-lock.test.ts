import { type FetchTokens, TokenManager } from '@tessera/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeRedis } from '../test/fake-redis.js';
import { countingFetch, deferred, KEY, REDIS_KEY, replica } from '../test/replica.js';
import { RELEASE_SCRIPT, RENEW_SCRIPT } from './internal/lock-scripts.js';
import { WRITE_SCRIPT } from './internal/write-script.js';
import type { RedisCacheEvent } from './redis-cache-event.js';
import { redisTokenCache } from './redis-token-cache.js';
import type { RedisTokenCacheOptions } from './redis-token-cache-options.js';

const LOCK_KEY = `tessera:lock:tessera:${KEY}`;

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** A cache on `redis` (as in its own process) recording its events. */
function cacheOn(redis: FakeRedis, options: Partial<RedisTokenCacheOptions> = {}) {
  const events: RedisCacheEvent[] = [];
  const cache = redisTokenCache({
    client: redis.client(),
    onEvent: (event) => events.push(event),
    ...options,
  });
  return { cache, events };
}

/** A fetchTokens shared by every replica (one token endpoint) that answers after `latency` ms. */
function slowEndpoint(latency: number) {
  let calls = 0;
  const fetchTokens: FetchTokens = async () => {
    calls += 1;
    const n = calls;
    await new Promise((resolve) => setTimeout(resolve, latency));
    return { access_token: `at-${n}`, expires_in: 3600 };
  };
  return { fetchTokens, calls: () => calls };
}

/** Five replicas on `redis` (subscribed, no retries) sharing `endpoint`, with the manager's `timeout`. */
function replicas(
  redis: FakeRedis,
  endpoint: { fetchTokens: FetchTokens },
  options: { timeout: number; lockTtl?: number },
): TokenManager[] {
  const { timeout, ...cacheOptions } = options;
  return Array.from({ length: 5 }, () => {
    const cache = redisTokenCache({
      client: redis.client(),
      subscriber: redis.subscriber(),
      ...cacheOptions,
    });
    return new TokenManager({
      key: KEY,
      fetchTokens: endpoint.fetchTokens,
      storage: cache.storage(KEY),
      lock: cache.lock,
      retry: false,
      timeout,
    });
  });
}

describe('redisTokenCache lock', () => {
  it.each([
    ['with', true],
    ['without', false],
  ])('sends one token request for 20 replicas × 50 concurrent callers (%s pub/sub)', async (_, subscribe) => {
    const redis = new FakeRedis();
    const endpoint = slowEndpoint(200);
    const replicas = Array.from({ length: 20 }, () => replica(redis, endpoint.fetchTokens, { subscribe }));

    const all = Promise.all(
      replicas.flatMap(({ manager }) => Array.from({ length: 50 }, () => manager.getAccessToken())),
    );
    await vi.advanceTimersByTimeAsync(2_000);
    const tokens = await all;

    expect(tokens).toHaveLength(1_000);
    expect(new Set(tokens)).toEqual(new Set(['at-1']));
    expect(endpoint.calls()).toBe(1);
    expect(redis.peek(LOCK_KEY)).toBeUndefined();
    expect(replicas.flatMap(({ cacheEvents }) => cacheEvents)).toEqual([]);
  });

  it('lets another replica take over once a crashed holder’s lock expires (lockTtl), before lockWait', async () => {
    const redis = new FakeRedis();
    redis.put(LOCK_KEY, 'crashed-holder', 5_000);
    const fetch = countingFetch();
    const { manager, cacheEvents } = replica(redis, fetch.fetchTokens, { lockTtl: 5_000, lockWait: 10_000 });

    const token = manager.getAccessToken();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(fetch.calls()).toBe(0);
    await vi.advanceTimersByTimeAsync(250);

    await expect(token).resolves.toBe('at-1');
    expect(cacheEvents).toEqual([]);
  });

  it('takes over a lock key without expiry (set by hand): the refresh neither waits lockWait nor emits lock_timeout', async () => {
    const redis = new FakeRedis();
    redis.put(LOCK_KEY, 'planted-by-hand', Number.POSITIVE_INFINITY); // PTTL -1: it would never expire
    const locks: Array<string | undefined> = [];
    const fetch = countingFetch();
    const { manager, cacheEvents } = replica(redis, async (request) => {
      locks.push(redis.peek(LOCK_KEY));
      return fetch.fetchTokens(request);
    });
    let token: string | undefined;
    void manager.getAccessToken().then((value) => {
      token = value;
    });
    await vi.advanceTimersByTimeAsync(0); // no poll, no wait

    expect(token).toBe('at-1');
    expect(fetch.calls()).toBe(1);
    expect(locks).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/)]); // requested holding its own lock
    expect(redis.peek(LOCK_KEY)).toBeUndefined(); // released by its new holder
    expect(cacheEvents).toEqual([]);
    manager.dispose();
  });

  it('still waits for a lock another replica holds (with its TTL)', async () => {
    const redis = new FakeRedis();
    redis.put(LOCK_KEY, 'live-holder', 60_000);
    const fetch = countingFetch();
    const { manager, cacheEvents } = replica(redis, fetch.fetchTokens, { lockTtl: 60_000, lockWait: 3_000 });
    const token = manager.getAccessToken();
    await vi.advanceTimersByTimeAsync(2_990);
    expect(fetch.calls()).toBe(0);
    expect(redis.peek(LOCK_KEY)).toBe('live-holder');
    await vi.advanceTimersByTimeAsync(20);

    await expect(token).resolves.toBe('at-1');
    expect(redis.peek(LOCK_KEY)).toBe('live-holder');
    expect(cacheEvents).toEqual([
      { type: 'lock_timeout', name: `tessera:${KEY}`, waited: expect.closeTo(3_000, -1) },
    ]);
  });

  it('runs the task without the lock after lockWait when the holder never finishes', async () => {
    const redis = new FakeRedis();
    const hung = deferred<never>();
    const holder = replica(redis, () => hung.promise, { lockWait: 3_000 });
    const fetch = countingFetch();
    const waiter = replica(redis, fetch.fetchTokens, { lockWait: 3_000 });

    void holder.manager.getAccessToken().catch(() => {});
    await vi.advanceTimersByTimeAsync(0);
    const token = waiter.manager.getAccessToken();
    await vi.advanceTimersByTimeAsync(2_990);
    expect(fetch.calls()).toBe(0);
    await vi.advanceTimersByTimeAsync(20);

    await expect(token).resolves.toBe('at-1');
    expect(waiter.cacheEvents).toEqual([
      { type: 'lock_timeout', name: `tessera:${KEY}`, waited: expect.closeTo(3_000, -1) },
    ]);
    holder.manager.dispose();
  });

  it('stops waiting for the lock when its manager is disposed: no timer left, no token request, DisposedError', async () => {
    const redis = new FakeRedis();
    redis.put(LOCK_KEY, 'another-holder', 60_000);
    const fetch = countingFetch();
    const waiter = replica(redis, fetch.fetchTokens, { lockTtl: 60_000, lockWait: 30_000 });
    const token = waiter.manager.getAccessToken().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(500); // polling for the lock
    const pollsBefore = redis.count('EVAL');
    waiter.manager.dispose();
    expect(((await token) as Error).name).toBe('DisposedError');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(redis.count('EVAL')).toBe(pollsBefore);
    expect(fetch.calls()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves no poll timer when its manager is disposed while Redis holds a lock poll (frozen): nothing polls or runs after the reply', async () => {
    const redis = new FakeRedis();
    redis.put(LOCK_KEY, 'another-holder', 60_000);
    const fetch = countingFetch();
    const waiter = replica(redis, fetch.fetchTokens, { lockTtl: 60_000, lockWait: 30_000 });
    const token = waiter.manager.getAccessToken().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(2_000); // polling at its longest interval (200 ms)
    redis.mode = 'frozen';
    await vi.advanceTimersByTimeAsync(200); // the next poll is sent, not answered yet
    waiter.manager.dispose();
    expect(((await token) as Error).name).toBe('DisposedError');
    const sent = redis.commands.length;

    redis.mode = 'up';
    redis.thaw(); // the poll's reply: the lock is still held
    await vi.advanceTimersByTimeAsync(0);

    expect(vi.getTimerCount()).toBe(0); // no pause of up to 200 ms holding the process up
    expect(redis.commands.length).toBe(sent);
    expect(fetch.calls()).toBe(0);
  });

  it('runs nothing when a lock poll times out after its manager was disposed (frozen Redis)', async () => {
    const redis = new FakeRedis();
    redis.put(LOCK_KEY, 'another-holder', 60_000);
    const fetch = countingFetch();
    const waiter = replica(redis, fetch.fetchTokens, { lockTtl: 60_000, lockWait: 30_000 });
    const token = waiter.manager.getAccessToken().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(2_000);
    redis.mode = 'frozen';
    await vi.advanceTimersByTimeAsync(200); // the next poll is sent, never answered
    waiter.manager.dispose();
    expect(((await token) as Error).name).toBe('DisposedError');

    await vi.advanceTimersByTimeAsync(1_000); // the poll times out

    // Only the poll's timeout: no read of the token set (skipped, cooling down) after it.
    expect(waiter.cacheEvents.map((event) => 'operation' in event && event.operation)).toEqual(['lock']);
    expect(fetch.calls()).toBe(0);
  });

  it('lets go at once of a lock Redis grants after its manager was disposed, without reading or requesting tokens', async () => {
    const redis = new FakeRedis();
    redis.put(LOCK_KEY, 'another-holder', 1_000);
    const fetch = countingFetch();
    const waiter = replica(redis, fetch.fetchTokens, { lockTtl: 60_000, lockWait: 30_000 });
    const token = waiter.manager.getAccessToken().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(900);
    redis.mode = 'frozen';
    await vi.advanceTimersByTimeAsync(250); // the next poll is sent, not answered; the other lock expires
    waiter.manager.dispose();
    expect(((await token) as Error).name).toBe('DisposedError');
    const sent = redis.commands.length;

    redis.mode = 'up';
    redis.thaw(); // the poll's reply: OK, the lock is this disposed manager's
    await vi.advanceTimersByTimeAsync(0);

    expect(redis.peek(LOCK_KEY)).toBeUndefined(); // nobody waits lockTtl (60 s) for it
    expect(redis.commands.slice(sent).map(([name, script]) => [name, script])).toEqual([
      ['EVAL', RELEASE_SCRIPT],
    ]); // no GET of the token set: the task never ran
    expect(fetch.calls()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('releases the lock at once when its holder is disposed mid-request, even if fetchTokens never settles: the waiter requests once', async () => {
    const redis = new FakeRedis();
    const holder = replica(redis, () => new Promise<never>(() => {}), { lockTtl: 60_000, lockWait: 120_000 });
    const fetch = countingFetch();
    const waiter = replica(redis, fetch.fetchTokens, { lockTtl: 60_000, lockWait: 120_000 });
    const held = Array.from({ length: 100 }, () =>
      holder.manager.getAccessToken().catch((error: unknown) => error),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(redis.peek(LOCK_KEY)).toBeDefined();
    const waiting = Array.from({ length: 100 }, () => waiter.manager.getAccessToken());
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fetch.calls()).toBe(0);

    holder.manager.dispose();
    for (const error of await Promise.all(held)) expect((error as Error).name).toBe('DisposedError');
    await vi.advanceTimersByTimeAsync(0); // the release announcement wakes the waiter: not lockTtl

    expect(redis.countScript(RELEASE_SCRIPT)).toBe(2); // the disposed holder's, then the waiter's
    expect(redis.peek(LOCK_KEY)).toBeUndefined();
    expect(new Set(await Promise.all(waiting))).toEqual(new Set(['at-1']));
    expect(fetch.calls()).toBe(1);
    expect(waiter.cacheEvents).toEqual([]);
    waiter.manager.dispose();
    expect(vi.getTimerCount()).toBe(0); // no renewal of the disposed holder's lock left
  });

  it('waits out a live holder whose token endpoint answers after 15 s by default (the manager’s worst case), instead of every waiter requesting after 10 s', async () => {
    const redis = new FakeRedis();
    const endpoint = slowEndpoint(15_000);
    const managers = replicas(redis, endpoint, { timeout: 30_000 });

    const tokens = Promise.all(
      managers.flatMap((manager) => Array.from({ length: 20 }, () => manager.getAccessToken())),
    );
    await vi.advanceTimersByTimeAsync(30_000);

    expect(endpoint.calls()).toBe(1);
    expect(new Set(await tokens)).toEqual(new Set(['at-1']));
    for (const manager of managers) manager.dispose();
  });

  it('lets one waiter take over a crashed holder’s lock by default when the manager’s worst-case refresh is shorter than lockTtl, instead of every waiter requesting', async () => {
    const redis = new FakeRedis();
    redis.put(LOCK_KEY, 'crashed-holder', 5_000); // its holder died mid-refresh
    const endpoint = slowEndpoint(200);
    // A fast token endpoint: timeout 1 s, no retries; the manager's worst-case refresh is 4 s.
    const managers = replicas(redis, endpoint, { lockTtl: 5_000, timeout: 1_000 });

    const tokens = Promise.all(
      managers.flatMap((manager) => Array.from({ length: 40 }, () => manager.getAccessToken())),
    );
    await vi.advanceTimersByTimeAsync(6_000);

    expect(new Set(await tokens)).toEqual(new Set(['at-1']));
    expect(endpoint.calls()).toBe(1);
    for (const manager of managers) manager.dispose();
  });

  it('extends the lock while a refresh takes longer than lockTtl, so nobody else requests a token', async () => {
    const redis = new FakeRedis();
    const endpoint = slowEndpoint(8_000);
    const options = { lockTtl: 2_000, lockWait: 30_000 };
    const holder = replica(redis, endpoint.fetchTokens, options);
    const waiter = replica(redis, endpoint.fetchTokens, options);

    const first = holder.manager.getAccessToken();
    await vi.advanceTimersByTimeAsync(0);
    const second = waiter.manager.getAccessToken();
    await vi.advanceTimersByTimeAsync(7_900);
    expect(redis.pttl(LOCK_KEY)).toBeGreaterThan(0);
    expect(endpoint.calls()).toBe(1);
    await vi.advanceTimersByTimeAsync(300);

    expect(await first).toBe('at-1');
    expect(await second).toBe('at-1');
    expect(endpoint.calls()).toBe(1);
    expect(redis.peek(LOCK_KEY)).toBeUndefined();
  });

  it('releases only its own lock, and reports a lock it lost', async () => {
    const redis = new FakeRedis();
    const events: unknown[] = [];
    const cache = redisTokenCache({ client: redis.client(), lockTtl: 3_000, onEvent: (e) => events.push(e) });
    const task = deferred<string>();

    const result = cache.lock.run('job', () => task.promise);
    await vi.advanceTimersByTimeAsync(0);
    redis.put('tessera:lock:job', 'another-holder', 10_000); // e.g. ours expired during a long pause
    await vi.advanceTimersByTimeAsync(1_000);
    task.resolve('done');

    expect(await result).toBe('done');
    await vi.advanceTimersByTimeAsync(0);
    expect(redis.peek('tessera:lock:job')).toBe('another-holder');
    expect(events).toEqual([{ type: 'lock_lost', name: 'job' }]);
  });

  it.each([
    ['evicted (maxmemory) or lost in a restart', undefined],
    ['evicted, then taken by another replica', 'another-holder'],
  ])(
    'reports, at its release, a lock %s before any renewal: one lock_lost, the other lock left alone',
    async (_, other) => {
      const redis = new FakeRedis();
      const { cache, events } = cacheOn(redis, { lockTtl: 3_000 });
      const task = deferred<string>();

      const result = cache.lock.run('job', () => task.promise);
      await vi.advanceTimersByTimeAsync(0);
      redis.put('tessera:lock:job', other ?? 'gone', 1); // our lock no longer there
      await vi.advanceTimersByTimeAsync(2);
      if (other) redis.put('tessera:lock:job', other, 10_000);
      task.resolve('done'); // before the first renewal (1,000 ms)

      expect(await result).toBe('done');
      await vi.advanceTimersByTimeAsync(0);
      expect(redis.countScript(RENEW_SCRIPT)).toBe(0);
      expect(redis.countScript(RELEASE_SCRIPT)).toBe(1);
      expect(events).toEqual([{ type: 'lock_lost', name: 'job' }]);
      expect(redis.peek('tessera:lock:job')).toBe(other);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(events).toHaveLength(1);
    },
  );

  it('a task that outlives lockTtl many times is not reported lost at its release; one whose lock expired while Redis was down, once', async () => {
    const redis = new FakeRedis();
    const { cache, events } = cacheOn(redis, { lockTtl: 3_000, timeout: 500 });
    const long = deferred<string>();
    const kept = cache.lock.run('job', () => long.promise);
    await vi.advanceTimersByTimeAsync(20_000); // six lockTtl, renewed every 1,000 ms
    long.resolve('done');
    expect(await kept).toBe('done');
    await vi.advanceTimersByTimeAsync(0);
    expect(redis.peek('tessera:lock:job')).toBeUndefined();
    expect(events).toEqual([]);

    const stalled = deferred<string>();
    const expired = cache.lock.run('job', () => stalled.promise);
    await vi.advanceTimersByTimeAsync(0);
    redis.mode = 'frozen';
    await vi.advanceTimersByTimeAsync(3_100); // no renewal answered: the lock expired at lockTtl
    redis.thaw();
    await vi.advanceTimersByTimeAsync(0);
    stalled.resolve('done');
    expect(await expired).toBe('done');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(redis.countScript(RELEASE_SCRIPT)).toBe(2);
    expect(events.filter((event) => event.type === 'lock_lost')).toEqual([
      { type: 'lock_lost', name: 'job' },
    ]);
  });

  it('reports a lock it lost once, from renewals answered after they timed out, though its task ends before the next renewal', async () => {
    const redis = new FakeRedis();
    const { cache, events } = cacheOn(redis, { lockTtl: 3_000, timeout: 500 });
    const task = deferred<string>();

    const result = cache.lock.run('job', () => task.promise);
    await vi.advanceTimersByTimeAsync(0);
    redis.put('tessera:lock:job', 'another-holder', 10_000); // ours expired, another replica took it
    redis.mode = 'frozen';
    await vi.advanceTimersByTimeAsync(2_600); // renewals at 1,000 and 2,000 ms, each timed out after 500 ms
    redis.thaw(); // both answer 0 now: not ours
    await vi.advanceTimersByTimeAsync(0);
    task.resolve('done');

    expect(await result).toBe('done');
    expect(redis.countScript(RENEW_SCRIPT)).toBe(2);
    expect(events.filter((event) => event.type !== 'redis_unavailable')).toEqual([
      { type: 'lock_lost', name: 'job' },
    ]);
    expect(redis.peek('tessera:lock:job')).toBe('another-holder');
  });

  it('releases its lock at once when Redis refused the write meanwhile (NOPERM), so no replica waits lockTtl for it', async () => {
    const redis = new FakeRedis();
    const fake = redis.client();
    const refusing = {
      isReady: true,
      sendCommand: (args: string[], options?: { abortSignal?: AbortSignal }) =>
        args[1] === WRITE_SCRIPT
          ? Promise.reject(new Error("NOPERM User svc has no permissions to run the 'publish' command"))
          : fake.sendCommand(args, options),
    };
    const endpoint = countingFetch();
    const holder = replica(redis, endpoint.fetchTokens, { client: refusing });
    const other = replica(redis, endpoint.fetchTokens);

    expect(await holder.manager.getAccessToken()).toBe('at-1');
    await vi.advanceTimersByTimeAsync(0);
    expect(redis.peek(LOCK_KEY)).toBeUndefined();
    const started = Date.now();
    expect(await other.manager.getAccessToken()).toBe('at-2'); // nothing stored: its own request
    expect(Date.now() - started).toBe(0);
    expect(holder.cacheEvents.map((event) => event.type)).toEqual(['redis_unavailable']);
  });

  it('runs the task exactly once, at once and unlocked, when Redis fails', async () => {
    const redis = new FakeRedis();
    redis.mode = 'fail';
    const events: string[] = [];
    const cache = redisTokenCache({ client: redis.client(), onEvent: (e) => events.push(e.type) });
    const task = vi.fn(async () => 'ran');

    expect(await cache.lock.run('job', task)).toBe('ran');
    expect(task).toHaveBeenCalledTimes(1);
    expect(events).toEqual(['redis_unavailable']);
  });

  it('wakes a waiter as soon as the release is announced, instead of at its next poll', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    const subscribed = new FakeRedis();
    const polling = new FakeRedis();
    const results = await Promise.all(
      [
        [subscribed, true],
        [polling, false],
      ].map(async ([redis, subscribe]) => {
        const cache = (holder: boolean) =>
          redisTokenCache({
            client: (redis as FakeRedis).client(),
            ...(subscribe && !holder ? { subscriber: (redis as FakeRedis).subscriber() } : {}),
          });
        const release = deferred<void>();
        const held = cache(true).lock.run('job', () => release.promise);
        await Promise.resolve();
        let done = false;
        const waiting = cache(false)
          .lock.run('job', async () => {})
          .then(() => {
            done = true;
          });
        setTimeout(() => release.resolve(), 1_000);
        return { held, waiting, done: () => done };
      }),
    );
    await vi.advanceTimersByTimeAsync(1_001);
    expect(results.map(({ done }) => done())).toEqual([true, false]);
    await vi.advanceTimersByTimeAsync(200);
    expect(results.map(({ done }) => done())).toEqual([true, true]);
  });

  it.each([1_200, 2_400])(
    'keeps its lock (lockTtl %i ms) through a failed renewal and the 1 s cool-down after it: no other replica runs meanwhile',
    async (lockTtl) => {
      const redis = new FakeRedis();
      const holder = cacheOn(redis, { lockTtl });
      const other = cacheOn(redis, { lockTtl });
      const release = deferred<void>();
      const held = holder.cache.lock.run('job', () => release.promise);
      await vi.advanceTimersByTimeAsync(lockTtl / 3 - 1);
      redis.mode = 'fail'; // the first renewal fails: Redis is skipped for a second after it
      await vi.advanceTimersByTimeAsync(1);
      redis.mode = 'up';
      await vi.advanceTimersByTimeAsync(2 * lockTtl); // well past the lock's first expiry

      const ran = vi.fn(async () => {});
      const waiting = other.cache.lock.run('job', ran);
      await vi.advanceTimersByTimeAsync(lockTtl);
      expect(ran).not.toHaveBeenCalled(); // still held
      expect(holder.events.map((event) => event.type === 'redis_unavailable' && event.error.reason)).toEqual([
        'failed',
      ]);

      release.resolve();
      await held;
      await vi.advanceTimersByTimeAsync(200);
      await waiting;
      expect(ran).toHaveBeenCalledTimes(1);
      expect(other.events).toEqual([]);
    },
  );

  it('deletes a lock Redis granted after the caller gave up (frozen, then resumed), so nobody waits lockTtl', async () => {
    const redis = new FakeRedis();
    const options = { lockTtl: 60_000, lockWait: 120_000, timeout: 500 };
    const frozenAt = cacheOn(redis, options);
    redis.mode = 'frozen'; // SIGSTOP: the SET NX is written but not answered
    const first = vi.fn(async () => 'unlocked');
    const gaveUp = frozenAt.cache.lock.run('job', first);
    await vi.advanceTimersByTimeAsync(500);
    expect(await gaveUp).toBe('unlocked');
    expect(frozenAt.events.map((e) => e.type === 'redis_unavailable' && e.error.reason)).toEqual(['timeout']);

    redis.thaw(); // SIGCONT: Redis runs the SET NX now, with nobody left to hold the lock
    await vi.advanceTimersByTimeAsync(0);
    expect(redis.peek('tessera:lock:job')).toBeUndefined();

    const next = cacheOn(redis, options);
    let ranAt = -1;
    const started = Date.now();
    const locked = next.cache.lock.run('job', async () => {
      ranAt = Date.now() - started;
      return redis.peek('tessera:lock:job');
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(await locked).toEqual(expect.any(String)); // ran holding the lock
    expect(ranAt).toBe(0);
    expect(next.events).toEqual([]);
    expect(first).toHaveBeenCalledTimes(1);
    // Only the clean-up skipped the cool-down: the frozen replica's other commands still respect it.
    expect(await frozenAt.cache.lock.run('other', async () => 'unlocked')).toBe('unlocked');
    expect(frozenAt.events.map((e) => e.type === 'redis_unavailable' && e.error.reason)).toEqual([
      'timeout',
      'cooling_down',
    ]);
  });

  it('leaves a lock alone that another holder took while the late SET waited (the late reply is null)', async () => {
    const redis = new FakeRedis();
    const late = cacheOn(redis, { timeout: 500 });
    redis.put('tessera:lock:job', 'live-holder', 10_000);
    redis.mode = 'frozen';
    await Promise.all([late.cache.lock.run('job', async () => {}), vi.advanceTimersByTimeAsync(500)]);
    redis.thaw();
    await vi.advanceTimersByTimeAsync(0);
    expect(redis.peek('tessera:lock:job')).toBe('live-holder');
    expect(redis.countScript(RELEASE_SCRIPT)).toBe(0);
  });

  it('takes a timeout or lockTtl over 2^31−1 ms (24.8 days) as that, not as the 1 ms a timer would wait', async () => {
    const redis = new FakeRedis();
    const client = redis.client();
    const slow = {
      ...client,
      sendCommand: vi.fn(async (args: string[]) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return client.sendCommand(args);
      }),
    };
    const { cache, events } = cacheOn(redis, { client: slow, timeout: 2 ** 32, lockTtl: 2 ** 34 });
    const renewals = redis.countScript(RENEW_SCRIPT);

    const ran = cache.lock.run('job', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      return 'done';
    });
    await vi.advanceTimersByTimeAsync(2_000);

    expect(await ran).toBe('done');
    expect(events).toEqual([]); // no command timed out
    expect(redis.countScript(RENEW_SCRIPT) - renewals).toBe(0); // renewed every 8.3 days, not every ms
    expect(redis.countScript(RELEASE_SCRIPT)).toBe(1);
  });

  it('throws a TypeError for invalid durations', () => {
    const client = new FakeRedis().client();
    expect(() => redisTokenCache({ client, lockTtl: 0 })).toThrow(/lockTtl must be a number/);
    expect(() => redisTokenCache({ client, lockWait: Number.POSITIVE_INFINITY })).toThrow(/lockWait/);
  });

  it('leaves one lock-released listener per cache on a shared subscriber, however many managers wait and are disposed', async () => {
    const redis = new FakeRedis();
    const subscriber = redis.subscriber();
    const on = vi.spyOn(subscriber, 'on');
    const off = vi.spyOn(subscriber, 'off');
    const { cache } = cacheOn(redis, { subscriber });
    const release = deferred<void>();
    const held = cacheOn(redis).cache.lock.run(`tessera:${KEY}`, () => release.promise);
    await vi.advanceTimersByTimeAsync(0);
    const fetch = countingFetch();
    const managers = Array.from(
      { length: 300 },
      () =>
        new TokenManager({
          key: KEY,
          fetchTokens: fetch.fetchTokens,
          storage: cache.storage(KEY),
          lock: cache.lock,
        }),
    );
    const waiting = managers.map((manager) => manager.getAccessToken().catch((error: unknown) => error));
    await vi.advanceTimersByTimeAsync(100);
    expect(redis.listeners(REDIS_KEY)).toBe(300);
    expect(redis.listeners('tessera:lock-released')).toBe(1);

    for (const manager of managers) manager.dispose();
    release.resolve();
    await held;
    await Promise.all(waiting);

    expect(redis.listeners(REDIS_KEY)).toBe(0);
    expect(redis.listeners('tessera:lock-released')).toBe(1);
    expect(on).toHaveBeenCalledTimes(1);
    expect(off).toHaveBeenCalledTimes(1);
    expect(fetch.calls()).toBe(0);
  });
});
