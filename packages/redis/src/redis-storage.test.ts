import { randomBytes } from 'node:crypto';
import { TokenManager } from '@tessera/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeRedis } from '../test/fake-redis.js';
import { countingFetch, KEY, REDIS_KEY, replica } from '../test/replica.js';
import { redisTokenCache } from './redis-token-cache.js';

/** The longest TTL the cache sends: past it, Redis refuses `SET … PX` (its expiry time would overflow). */
const MAX_REDIS_TTL = 2 ** 53;

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('redisTokenCache storage', () => {
  it('stores the token set under the namespaced key for exactly its remaining life', async () => {
    const redis = new FakeRedis();
    const { manager } = replica(redis, countingFetch(300).fetchTokens);

    await manager.getAccessToken();

    expect(redis.pttl(REDIS_KEY)).toBe(300_000);
    expect(JSON.parse(redis.peek(REDIS_KEY) ?? '')).toMatchObject({ accessToken: 'at-1' });
  });

  it('never stores an already expired set, and no set without expiry unless ttlWithoutExpiry says so', async () => {
    const redis = new FakeRedis();
    const storage = redisTokenCache({ client: redis.client() }).storage(KEY);
    await storage.set({ accessToken: 'old', tokenType: 'Bearer', expiresAt: Date.now() - 1 });
    await storage.set({ accessToken: 'forever', tokenType: 'Bearer' });
    expect(redis.commands).toEqual([]);

    const configured = redisTokenCache({ client: redis.client(), ttlWithoutExpiry: 60_000 }).storage(KEY);
    await configured.set({ accessToken: 'forever', tokenType: 'Bearer' });
    expect(redis.pttl(REDIS_KEY)).toBe(60_000);
  });

  it('stores a set whose expiry is too far away for Redis with the longest TTL Redis takes, never reporting Redis as down', async () => {
    const redis = new FakeRedis();
    const events: unknown[] = [];
    const storage = redisTokenCache({
      client: redis.client(),
      onEvent: (event) => events.push(event),
    }).storage(KEY);
    await storage.set({ accessToken: 'far', tokenType: 'Bearer', expiresAt: Date.now() + 1e19 });
    expect(redis.pttl(REDIS_KEY)).toBeLessThanOrEqual(MAX_REDIS_TTL);
    expect(redis.pttl(REDIS_KEY)).toBeGreaterThan(1e14);
    expect(events).toEqual([]);
  });

  it('takes a ttlWithoutExpiry too long for Redis (Number.MAX_VALUE: "forever") as the longest TTL Redis takes, never reporting Redis as down', async () => {
    const redis = new FakeRedis();
    const events: unknown[] = [];
    const storage = redisTokenCache({
      client: redis.client(),
      ttlWithoutExpiry: Number.MAX_VALUE,
      onEvent: (event) => events.push(event),
    }).storage(KEY);
    await storage.set({ accessToken: 'forever', tokenType: 'Bearer' });
    expect(redis.pttl(REDIS_KEY)).toBeLessThanOrEqual(MAX_REDIS_TTL);
    expect(redis.pttl(REDIS_KEY)).toBeGreaterThan(1e14);
    expect(events).toEqual([]);
  });

  it('lets a second replica adopt the stored set without a token request', async () => {
    const redis = new FakeRedis();
    const first = countingFetch();
    const second = countingFetch();
    await replica(redis, first.fetchTokens, { subscribe: false }).manager.getAccessToken();

    const other = replica(redis, second.fetchTokens, { subscribe: false });
    expect(await other.manager.getAccessToken()).toBe('at-1');
    expect(second.calls()).toBe(0);
  });

  it('sends no Redis command for 1,000 cached getAccessToken() calls', async () => {
    const redis = new FakeRedis();
    const { manager } = replica(redis, countingFetch().fetchTokens);
    await manager.getAccessToken();
    await vi.advanceTimersByTimeAsync(0);
    const before = redis.commands.length;

    const tokens = await Promise.all(Array.from({ length: 1_000 }, () => manager.getAccessToken()));

    expect(new Set(tokens)).toEqual(new Set(['at-1']));
    expect(redis.commands.length - before).toBe(0);
  });

  it('hands a set stored by one replica to the subscribed others at once, and a removal too', async () => {
    const redis = new FakeRedis();
    const writer = replica(redis, countingFetch().fetchTokens);
    const readerFetch = countingFetch();
    const reader = replica(redis, readerFetch.fetchTokens);

    await writer.manager.getAccessToken();
    await vi.advanceTimersByTimeAsync(0);
    expect(reader.events.map((event) => event.type)).toEqual(['synced']);
    const gets = redis.count('GET');
    expect(await reader.manager.getAccessToken()).toBe('at-1');
    expect(redis.count('GET')).toBe(gets);

    await writer.manager.clear();
    await vi.advanceTimersByTimeAsync(0);
    expect(reader.events.at(-1)).toEqual({ type: 'cleared', reason: 'external' });
    expect(readerFetch.calls()).toBe(0);
  });

  it('unsubscribes when the manager is disposed', () => {
    const redis = new FakeRedis();
    const { manager } = replica(redis, countingFetch().fetchTokens);
    expect(redis.listeners(REDIS_KEY)).toBe(1);
    manager.dispose();
    expect(redis.listeners(REDIS_KEY)).toBe(0);
  });
});

describe('redisTokenCache encryption', () => {
  it('stores and publishes only ciphertext, which replicas with the same key read', async () => {
    const redis = new FakeRedis();
    const encryptionKey = randomBytes(32);
    const published: string[] = [];
    await redis.subscriber().subscribe(REDIS_KEY, (message) => published.push(message));
    await replica(redis, countingFetch().fetchTokens, { encryptionKey }).manager.getAccessToken();
    await vi.advanceTimersByTimeAsync(0);

    expect(redis.peek(REDIS_KEY)).toMatch(/^v1\./);
    expect(redis.peek(REDIS_KEY)).not.toContain('at-1');
    expect(published).toHaveLength(1);
    expect(published[0]).not.toContain('at-1');
    const other = countingFetch();
    const base64Key = encryptionKey.toString('base64');
    expect(
      await replica(redis, other.fetchTokens, { encryptionKey: base64Key }).manager.getAccessToken(),
    ).toBe('at-1');
    expect(other.calls()).toBe(0);
  });

  it('treats a value it cannot decrypt as empty: storage_error, a new token, no error for callers', async () => {
    const redis = new FakeRedis();
    await replica(redis, countingFetch().fetchTokens, {
      encryptionKey: randomBytes(32),
    }).manager.getAccessToken();
    const fetch = countingFetch();
    const wrongKey = replica(redis, fetch.fetchTokens, { encryptionKey: randomBytes(32), subscribe: false });

    await expect(wrongKey.manager.getAccessToken()).resolves.toBe('at-1');

    expect(fetch.calls()).toBe(1);
    expect(wrongKey.events.map((event) => event.type)).toEqual([
      'storage_error', // the first read
      'loaded',
      'storage_error', // the re-read before the token request
      'refreshed',
    ]);
    expect(wrongKey.cacheEvents.map((event) => event.type)).toEqual(['invalid_entry', 'invalid_entry']);
    expect(wrongKey.cacheEvents[0]).toMatchObject({ error: { reason: 'decryption_failed' } });
  });

  it('refuses a plain-text value when a key is configured, so nobody can plant a token', async () => {
    const redis = new FakeRedis();
    redis.put(REDIS_KEY, JSON.stringify({ accessToken: 'planted', tokenType: 'Bearer' }));
    const { manager, cacheEvents } = replica(redis, countingFetch().fetchTokens, {
      encryptionKey: randomBytes(32),
    });
    expect(await manager.getAccessToken()).toBe('at-1');
    expect(cacheEvents[0]).toMatchObject({ type: 'invalid_entry', error: { reason: 'not_encrypted' } });
  });

  it('ignores a published value it cannot decrypt', async () => {
    const redis = new FakeRedis();
    const reader = replica(redis, countingFetch().fetchTokens, { encryptionKey: randomBytes(32) });
    await redis.client().sendCommand(['PUBLISH', REDIS_KEY, 'v1.AAAA.BBBB.CCCC']);
    await vi.advanceTimersByTimeAsync(0);
    expect(reader.events).toEqual([]);
    expect(reader.cacheEvents.map((event) => event.type)).toEqual(['invalid_entry']);
  });

  it('throws a TypeError at creation for a key that is not 32 bytes', () => {
    const redis = new FakeRedis();
    expect(() => redisTokenCache({ client: redis.client(), encryptionKey: 'c2hvcnQ=' })).toThrow(
      /encryptionKey must be 32 bytes \(got 5\)/,
    );
  });
});

describe('redisTokenCache when Redis fails', () => {
  it('serves 500 callers with a new token while every Redis command fails, and says so', async () => {
    const redis = new FakeRedis();
    redis.mode = 'fail';
    const fetch = countingFetch();
    const { manager, events, cacheEvents } = replica(redis, fetch.fetchTokens);

    const tokens = await Promise.all(Array.from({ length: 500 }, () => manager.getAccessToken()));

    expect(new Set(tokens)).toEqual(new Set(['at-1']));
    expect(fetch.calls()).toBe(1);
    expect(events.filter((event) => event.type === 'storage_error').map((event) => event.operation)).toEqual([
      'get',
      'get',
      'set',
    ]);
    expect(cacheEvents.map((event) => event.type === 'redis_unavailable' && event.operation)).toEqual([
      'get',
      'lock',
      'get',
      'set',
    ]);
    // One command reached the broken client; the next ones were skipped during the cool-down.
    expect(redis.commands).toHaveLength(1);
  });

  it('waits at most `timeout` for a Redis that does not answer, then refreshes without it', async () => {
    const redis = new FakeRedis();
    redis.mode = 'hang';
    const fetch = countingFetch();
    const { manager, cacheEvents } = replica(redis, fetch.fetchTokens, { timeout: 300 });

    const token = manager.getAccessToken();
    await vi.advanceTimersByTimeAsync(299);
    expect(fetch.calls()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);

    await expect(token).resolves.toBe('at-1');
    expect(cacheEvents[0]).toMatchObject({
      type: 'redis_unavailable',
      operation: 'get',
      error: { code: 'REDIS_UNAVAILABLE', reason: 'timeout' },
    });
  });

  it('leaves no referenced timer after dispose() while a Redis command is unanswered (the process can exit)', async () => {
    const redis = new FakeRedis();
    redis.mode = 'hang';
    const { manager } = replica(redis, countingFetch().fetchTokens, { timeout: 1_000 });
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const token = manager.getAccessToken().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(0); // the GET is sent; Redis does not answer
    manager.dispose();
    expect(((await token) as Error).name).toBe('DisposedError');

    const commandTimers = setTimeoutSpy.mock.calls.flatMap(([, delay], i) =>
      delay === 1_000 ? [setTimeoutSpy.mock.results[i]?.value as NodeJS.Timeout] : [],
    );
    setTimeoutSpy.mockRestore();
    expect(redis.commands.map(([command]) => command)).toEqual(['GET']);
    expect(commandTimers.map((timer) => timer.hasRef())).toEqual([false]);
    await vi.advanceTimersByTimeAsync(1_000); // it still bounds the command, then clears itself
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sends nothing while the client reconnects, and reports when Redis is back', async () => {
    const redis = new FakeRedis();
    redis.ready = false;
    const { manager, cacheEvents } = replica(redis, countingFetch(60).fetchTokens);
    await manager.getAccessToken();
    expect(redis.commands).toEqual([]);
    expect(
      cacheEvents.every((event) => event.type === 'redis_unavailable' && event.error.reason === 'not_ready'),
    ).toBe(true);

    redis.ready = true;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await manager.getAccessToken()).toBe('at-2');
    expect(cacheEvents.filter((event) => event.type === 'redis_available')).toHaveLength(1);
    expect(redis.peek(REDIS_KEY)).toContain('at-2');
  });

  it('skips Redis for a second after a timeout, but asks again as soon as a reconnected client is ready', async () => {
    const redis = new FakeRedis();
    const events: string[] = [];
    const storage = redisTokenCache({
      client: redis.client(),
      timeout: 100,
      onEvent: (event) => events.push(event.type === 'redis_unavailable' ? event.error.reason : event.type),
    }).storage(KEY);
    redis.mode = 'hang';
    const timedOut = expect(storage.get()).rejects.toThrow(/Redis get failed \(timeout\)/);
    await vi.advanceTimersByTimeAsync(100);
    await timedOut;
    redis.mode = 'up';
    await expect(storage.get()).rejects.toThrow(/cooling_down/);
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(storage.get()).resolves.toBeUndefined();

    redis.mode = 'hang';
    const again = expect(storage.get()).rejects.toThrow(/timeout/);
    await vi.advanceTimersByTimeAsync(100);
    await again;
    redis.mode = 'up';
    redis.ready = false; // the client noticed and reconnects
    await expect(storage.get()).rejects.toThrow(/not_ready/);
    redis.ready = true;
    await expect(storage.get()).resolves.toBeUndefined();
    expect(events).toEqual([
      'timeout',
      'cooling_down',
      'redis_available',
      'timeout',
      'not_ready',
      'redis_available',
    ]);
  });

  it('keeps going when the onEvent listener throws', async () => {
    const redis = new FakeRedis();
    redis.mode = 'fail';
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const cache = redisTokenCache({
      client: redis.client(),
      onEvent: () => {
        throw new Error('listener bug');
      },
    });
    const manager = new TokenManager({
      key: KEY,
      fetchTokens: countingFetch().fetchTokens,
      storage: cache.storage(KEY),
      lock: cache.lock,
    });
    await expect(manager.getAccessToken()).resolves.toBe('at-1');
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
  });
});
