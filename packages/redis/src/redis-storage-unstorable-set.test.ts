import { randomBytes } from 'node:crypto';
import type { FetchTokens } from '@tessera/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeRedis } from '../test/fake-redis.js';
import { KEY, REDIS_KEY, replica } from '../test/replica.js';
import { rotatingEndpoint } from '../test/rotating-endpoint.js';
import { redisTokenCache } from './redis-token-cache.js';

const HOUR = 3_600_000;

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** The first set lives an hour; every later one has no expiry, so Redis may not hold it. */
const firstExpiresOthersNot = (issued: number): number | undefined => (issued === 1 ? 3_600 : undefined);

describe('redisTokenCache storage, a set that may not be stored', () => {
  it('deletes the set it replaced, so a restarted replica never refreshes with the spent refresh token', async () => {
    const redis = new FakeRedis();
    const endpoint = rotatingEndpoint(firstExpiresOthersNot);
    const first = replica(redis, endpoint.fetchTokens, { subscribe: false });
    expect(await first.manager.getAccessToken()).toBe('at-1');
    expect(await first.manager.getAccessToken({ forceRefresh: true })).toBe('at-2'); // spends rt-1

    const restarted = replica(redis, endpoint.fetchTokens, { subscribe: false });
    expect(await restarted.manager.getAccessToken()).toBe('at-3');
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(await restarted.manager.getAccessToken()).toBe('at-3');
    expect(await first.manager.getAccessToken({ forceRefresh: true })).toBe('at-4'); // with rt-2
    expect(endpoint.spent).toEqual([]);
    expect(redis.peek(REDIS_KEY)).toBeUndefined();
    expect([...first.events, ...restarted.events].filter((event) => event.type === 'storage_error')).toEqual(
      [],
    );
  });

  it('drops the replaced set in replicas that adopted it through pub/sub, so none refreshes with its spent refresh token', async () => {
    const redis = new FakeRedis();
    const endpoint = rotatingEndpoint(firstExpiresOthersNot);
    const storing = replica(redis, endpoint.fetchTokens);
    const adopting = replica(redis, endpoint.fetchTokens);
    expect(await storing.manager.getAccessToken()).toBe('at-1');
    expect(await adopting.manager.getAccessToken()).toBe('at-1'); // read from Redis
    expect(await storing.manager.getAccessToken({ forceRefresh: true })).toBe('at-2'); // spends rt-1
    await vi.advanceTimersByTimeAsync(0); // the deletion's message is delivered

    expect(adopting.events.at(-1)).toEqual({ type: 'cleared', reason: 'external' });
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(await adopting.manager.getAccessToken()).toBe('at-3'); // without a refresh token: a new sign-in
    expect(await storing.manager.getAccessToken()).toBe('at-2');
    expect(endpoint.spent).toEqual([]);
    // Its own first write heard back through pub/sub is its refresh, not another replica's set (decision 0007).
    expect(storing.events.map((event) => event.type)).toEqual(['loaded', 'refreshed', 'refreshed']);
    expect(adopting.events.map((event) => event.type)).toEqual(['synced', 'cleared', 'refreshed']);
  });

  it('leaves replicas their set when the unstorable set has no refresh token (nothing was spent)', async () => {
    const redis = new FakeRedis();
    const storage = () =>
      redisTokenCache({ client: redis.client(), subscriber: redis.subscriber() }).storage(KEY);
    const [mine, other] = [storage(), storage()];
    const heard: unknown[] = [];
    other.subscribe?.((tokens) => heard.push(tokens));
    await mine.set({ accessToken: 'shared', tokenType: 'Bearer', expiresAt: Date.now() + HOUR });
    await vi.advanceTimersByTimeAsync(0);

    await mine.set({ accessToken: 'forever', tokenType: 'Bearer' });
    await vi.advanceTimersByTimeAsync(0);

    expect(heard).toEqual([expect.objectContaining({ accessToken: 'shared' })]);
    expect(redis.peek(REDIS_KEY)).toBeUndefined();
  });

  it('keeps a set another replica stored after the one it replaced', async () => {
    const redis = new FakeRedis();
    const mine = redisTokenCache({ client: redis.client() }).storage(KEY);
    const other = redisTokenCache({ client: redis.client() }).storage(KEY);
    const set = (accessToken: string) => ({ accessToken, tokenType: 'Bearer', expiresAt: Date.now() + HOUR });
    await mine.set(set('seen'));
    await other.get();
    await other.set(set('newer'));

    await mine.set({ accessToken: 'forever', tokenType: 'Bearer' });

    expect(JSON.parse(redis.peek(REDIS_KEY) ?? '{}')).toMatchObject({ accessToken: 'newer' });
    expect(redis.pttl(REDIS_KEY)).toBe(HOUR);
  });

  it('sends nothing when it has seen no set there', async () => {
    const redis = new FakeRedis();
    redis.put(REDIS_KEY, JSON.stringify({ accessToken: 'unseen', tokenType: 'Bearer' }), HOUR);
    const storage = redisTokenCache({ client: redis.client() }).storage(KEY);

    await storage.set({ accessToken: 'expired', tokenType: 'Bearer', expiresAt: Date.now() - 1 });

    expect(redis.commands).toEqual([]);
    expect(redis.pttl(REDIS_KEY)).toBe(HOUR);
  });

  it('refuses an encrypted set that its readers would refuse as over 1 MiB, and deletes the set it replaced', async () => {
    const redis = new FakeRedis();
    const encryptionKey = randomBytes(32);
    let calls = 0;
    // The second answer's JSON is under 1 MiB; encrypted (base64url), its stored value is over it.
    const fetchTokens: FetchTokens = async () => {
      calls += 1;
      const token = calls === 2 ? 'x'.repeat(800_000) : `at-${calls}`;
      return { access_token: token, refresh_token: `rt-${calls}`, expires_in: 3_600 };
    };
    const writer = replica(redis, fetchTokens, { subscribe: false, encryptionKey });
    await writer.manager.getAccessToken();
    expect(redis.peek(REDIS_KEY)).toBeDefined();

    expect(await writer.manager.getAccessToken({ forceRefresh: true })).toHaveLength(800_000); // spends rt-1
    expect(writer.events.filter((event) => event.type === 'storage_error')).toEqual([
      expect.objectContaining({
        operation: 'set',
        error: expect.objectContaining({ code: 'INVALID_CACHE_ENTRY', reason: 'too_large' }),
      }),
    ]);
    // A removal's mark: neither the set with the spent rt-1 nor a value no replica can read.
    expect(redis.peek(REDIS_KEY)).toBe('');

    const reader = replica(redis, fetchTokens, { subscribe: false, encryptionKey });
    expect(await reader.manager.getAccessToken()).toBe('at-3');
    expect(reader.cacheEvents).toEqual([]);
  });
});
