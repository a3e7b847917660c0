import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeRedis } from '../test/fake-redis.js';
import { countingFetch, KEY, REDIS_KEY, replica } from '../test/replica.js';
import { rotatingEndpoint } from '../test/rotating-endpoint.js';
import { redisTokenCache } from './redis-token-cache.js';

const HOUR = 3_600_000;

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('redisTokenCache storage, after the subscriber reconnects', () => {
  it('drops a set another replica signed out while its subscriber was disconnected, without a token request', async () => {
    const redis = new FakeRedis();
    const fetch = countingFetch();
    const signingOut = replica(redis, fetch.fetchTokens);
    const subscriber = redis.subscriber();
    const missing = replica(redis, fetch.fetchTokens, { subscriber });
    expect(await signingOut.manager.getAccessToken()).toBe('at-1');
    expect(await missing.manager.getAccessToken()).toBe('at-1'); // read from Redis

    subscriber.disconnect();
    await signingOut.manager.clear(); // DEL + PUBLISH '': not heard
    await vi.advanceTimersByTimeAsync(0);
    expect(missing.events.map((event) => event.type)).toEqual(['synced']);
    const gets = redis.count('GET');
    subscriber.reconnect();
    await vi.advanceTimersByTimeAsync(0);

    expect(missing.events.map((event) => event.type)).toEqual(['synced', 'cleared']);
    expect(missing.events.at(-1)).toEqual({ type: 'cleared', reason: 'external' });
    expect(redis.count('GET') - gets).toBe(1);
    expect(fetch.calls()).toBe(1);
    expect(missing.cacheEvents).toEqual([]);
  });

  it('drops a set an unstorable one replaced while its subscriber was disconnected, so it never refreshes with the spent refresh token', async () => {
    const redis = new FakeRedis();
    const endpoint = rotatingEndpoint((issued) => (issued === 1 ? 3_600 : undefined));
    const storing = replica(redis, endpoint.fetchTokens);
    const subscriber = redis.subscriber();
    const missing = replica(redis, endpoint.fetchTokens, { subscriber });
    expect(await storing.manager.getAccessToken()).toBe('at-1');
    expect(await missing.manager.getAccessToken()).toBe('at-1');

    subscriber.disconnect();
    expect(await storing.manager.getAccessToken({ forceRefresh: true })).toBe('at-2'); // spends rt-1
    subscriber.reconnect();
    await vi.advanceTimersByTimeAsync(0);

    expect(missing.events.at(-1)).toEqual({ type: 'cleared', reason: 'external' });
    expect(await missing.manager.getAccessToken({ forceRefresh: true })).toBe('at-3'); // a new sign-in
    expect(endpoint.spent).toEqual([]);
  });

  it('adopts a set stored while its subscriber was disconnected, without a token request', async () => {
    const redis = new FakeRedis();
    const fetch = countingFetch();
    const storing = replica(redis, fetch.fetchTokens);
    const subscriber = redis.subscriber();
    const missing = replica(redis, fetch.fetchTokens, { subscriber });
    expect(await storing.manager.getAccessToken()).toBe('at-1');
    expect(await missing.manager.getAccessToken()).toBe('at-1');

    subscriber.disconnect();
    expect(await storing.manager.getAccessToken({ forceRefresh: true })).toBe('at-2');
    subscriber.reconnect();
    await vi.advanceTimersByTimeAsync(0);

    expect(missing.events.at(-1)).toMatchObject({ type: 'synced', tokens: { accessToken: 'at-2' } });
    expect(await missing.manager.getAccessToken()).toBe('at-2');
    expect(fetch.calls()).toBe(2);
  });

  it('keeps a set whose Redis copy merely expired, and refreshes it with its refresh token', async () => {
    const redis = new FakeRedis();
    const endpoint = rotatingEndpoint(() => 60);
    const subscriber = redis.subscriber();
    const idle = replica(redis, endpoint.fetchTokens, { subscriber });
    expect(await idle.manager.getAccessToken()).toBe('at-1');

    await vi.advanceTimersByTimeAsync(61_000); // the key expires in Redis with the access token
    subscriber.reconnect();
    await vi.advanceTimersByTimeAsync(0);

    expect(idle.events.map((event) => event.type)).not.toContain('cleared');
    expect(await idle.manager.getAccessToken()).toBe('at-2'); // refreshed with rt-1, no new sign-in
    expect(endpoint.spent).toEqual([]);
  });

  it('re-reads each of 300 subscribed keys once per reconnection, through one ready listener', async () => {
    const redis = new FakeRedis();
    const subscriber = redis.subscriber();
    const on = vi.spyOn(subscriber, 'on');
    const off = vi.spyOn(subscriber, 'off');
    const cache = redisTokenCache({ client: redis.client(), subscriber });
    const unsubscribes = Array.from({ length: 300 }, (_, index) =>
      cache.storage(`${KEY}${index}`).subscribe?.(() => {}),
    );
    const gets = redis.count('GET');

    subscriber.reconnect();
    subscriber.reconnect(); // while the first re-reads are pending: one more read each, not a queue
    subscriber.reconnect();
    await vi.advanceTimersByTimeAsync(0);

    expect(redis.count('GET') - gets).toBe(600);
    expect(on).toHaveBeenCalledTimes(1);
    for (const unsubscribe of unsubscribes) unsubscribe?.();
    expect(off).toHaveBeenCalledTimes(1);
  });

  it('refuses a stored value over 1 MiB unparsed, as an unreadable entry, and requests a new token', async () => {
    const redis = new FakeRedis();
    const fetch = countingFetch();
    redis.put(REDIS_KEY, `{"accessToken":"${'x'.repeat(2 ** 21)}"}`, HOUR);
    const parse = vi.spyOn(JSON, 'parse');
    const { manager, cacheEvents } = replica(redis, fetch.fetchTokens, { subscribe: false });

    expect(await manager.getAccessToken()).toBe('at-1');
    expect(parse.mock.calls.filter(([text]) => String(text).length > 2 ** 20)).toEqual([]);
    parse.mockRestore();
    expect(cacheEvents[0]).toMatchObject({ type: 'invalid_entry', error: { reason: 'too_large' } });
    expect(fetch.calls()).toBe(1);
  });
});
