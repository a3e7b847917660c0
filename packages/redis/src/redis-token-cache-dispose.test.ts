import { TokenManager } from '@tessera/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeRedis } from '../test/fake-redis.js';
import { countingFetch, deferred, KEY, REDIS_KEY, replica } from '../test/replica.js';
import type { RedisCacheEvent } from './redis-cache-event.js';
import type { RedisSubscriber } from './redis-client.js';
import { redisTokenCache } from './redis-token-cache.js';

const RELEASED = 'tessera:lock-released';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('redisTokenCache dispose()', () => {
  it('lets go of every listener and subscription 300 caches made on one shared subscriber, each with a waiting manager', async () => {
    const redis = new FakeRedis();
    const subscriber = redis.subscriber();
    const on = vi.spyOn(subscriber, 'on');
    const off = vi.spyOn(subscriber, 'off');
    const release = deferred<void>();
    const held = redisTokenCache({ client: redis.client() }).lock.run(
      `tessera:${KEY}`,
      () => release.promise,
    );
    await vi.advanceTimersByTimeAsync(0);
    const fetch = countingFetch();
    const tenants = Array.from({ length: 300 }, () => {
      const cache = redisTokenCache({ client: redis.client(), subscriber });
      const manager = new TokenManager({
        key: KEY,
        fetchTokens: fetch.fetchTokens,
        storage: cache.storage(KEY),
        lock: cache.lock,
      });
      return { cache, manager, token: manager.getAccessToken().catch((error: unknown) => error) };
    });
    await vi.advanceTimersByTimeAsync(100); // every manager waits for the lock, listening for its release
    expect(redis.listeners(RELEASED)).toBe(300);
    expect(redis.listeners(REDIS_KEY)).toBe(300);
    expect(on).toHaveBeenCalledTimes(300); // one 'ready' listener per cache

    for (const { cache } of tenants) cache.dispose();

    expect(redis.listeners(RELEASED)).toBe(0);
    expect(redis.listeners(REDIS_KEY)).toBe(0);
    expect(off).toHaveBeenCalledTimes(300);
    expect(off.mock.calls.map(([, listener]) => listener)).toEqual(
      on.mock.calls.map(([, listener]) => listener),
    );

    // Twice, then the managers' own dispose(): nothing more is unsubscribed or removed.
    const unsubscribe = vi.spyOn(subscriber, 'unsubscribe');
    for (const { cache, manager } of tenants) {
      cache.dispose();
      manager.dispose();
    }
    expect(unsubscribe).not.toHaveBeenCalled();
    expect(off).toHaveBeenCalledTimes(300);
    release.resolve();
    await held;
    await Promise.all(tenants.map(({ token }) => token));
    expect(fetch.calls()).toBe(0);
  });

  it('leaves a disposed cache working as one without subscriber: a waiter polls, a refresh adopts the set another replica stored, nothing is pushed', async () => {
    const redis = new FakeRedis();
    const subscriber = redis.subscriber();
    const fetch = countingFetch();
    const disposed = redisTokenCache({ client: redis.client(), subscriber });
    const manager = new TokenManager({
      key: KEY,
      fetchTokens: fetch.fetchTokens,
      storage: disposed.storage(KEY),
      lock: disposed.lock,
    });
    expect(await manager.getAccessToken()).toBe('at-1');
    disposed.dispose();
    const other = replica(redis, fetch.fetchTokens);

    expect(await other.manager.getAccessToken({ forceRefresh: true })).toBe('at-2'); // stored and published
    await vi.advanceTimersByTimeAsync(0);
    expect(manager.peekTokens()?.accessToken).toBe('at-1'); // not pushed any more

    const release = deferred<void>();
    const held = redisTokenCache({ client: redis.client() }).lock.run(
      `tessera:${KEY}`,
      () => release.promise,
    );
    await vi.advanceTimersByTimeAsync(0);
    const refreshed = manager.getAccessToken({ forceRefresh: true });
    await vi.advanceTimersByTimeAsync(100);
    expect(redis.listeners(RELEASED)).toBe(0); // the disposed cache's waiter polls, unsubscribed
    release.resolve();
    await held;
    await vi.advanceTimersByTimeAsync(200); // its next poll takes the lock and reads at-2
    expect(await refreshed).toBe('at-2');
    expect(fetch.calls()).toBe(2);
    expect(redis.listeners(REDIS_KEY)).toBe(1);
    manager.dispose();
  });

  it('warns once per subscription when the subscriber does not answer a SUBSCRIBE within timeout (never connected), and hears it once connected', async () => {
    const redis = new FakeRedis();
    const connected = deferred<void>();
    const { subscribe, ...rest } = redis.subscriber();
    // node-redis before connect(): SUBSCRIBE is queued and answered once the connection is up.
    const subscriber: RedisSubscriber & { reconnect(): void } = {
      ...rest,
      subscribe: (channel, listener) => connected.promise.then(() => subscribe(channel, listener)),
    };
    const events: RedisCacheEvent[] = [];
    const cache = redisTokenCache({
      client: redis.client(),
      subscriber,
      onEvent: (event) => events.push(event),
    });
    const fetch = countingFetch();
    const manager = new TokenManager({
      key: KEY,
      fetchTokens: fetch.fetchTokens,
      storage: cache.storage(KEY),
      lock: cache.lock,
    });

    await vi.advanceTimersByTimeAsync(999);
    expect(events).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(events).toEqual([
      {
        type: 'redis_unavailable',
        operation: 'subscribe',
        error: expect.objectContaining({
          reason: 'timeout',
          message: `Redis subscribe failed (timeout): channel ${REDIS_KEY}: no reply within 1000 ms (is the subscriber connected?)`,
        }),
      },
    ]);

    connected.resolve();
    subscriber.reconnect(); // its first 'ready': a re-read of what was stored meanwhile
    const other = replica(redis, fetch.fetchTokens);
    expect(await other.manager.getAccessToken()).toBe('at-1');
    await vi.advanceTimersByTimeAsync(0);
    expect(manager.peekTokens()?.accessToken).toBe('at-1'); // published, and heard
    expect(fetch.calls()).toBe(1);
    expect(events).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
    manager.dispose();
  });
});
