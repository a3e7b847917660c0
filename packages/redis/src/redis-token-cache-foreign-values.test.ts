import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeRedis } from '../test/fake-redis.js';
import { countingFetch, REDIS_KEY, replica } from '../test/replica.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('redisTokenCache, values it did not write and clocks that differ', () => {
  it.each([
    ['an object without a token', '{"foo":1}'],
    ['an object with a token of the wrong type', '{"accessToken":123,"expiresAt":"x"}'],
    ['an array', '[1,2]'],
    ['a JSON string', '"text"'],
    ['cut-off JSON', '{"accessToken":"'],
    ['a removal message as a value', 'replaced:x'],
  ])(
    'sends one token request for two replicas when another program stored %s under the key for an hour, and stores over it',
    async (_, foreign) => {
      const redis = new FakeRedis();
      redis.put(REDIS_KEY, foreign, HOUR);
      const { fetchTokens, calls } = countingFetch();
      const a = replica(redis, fetchTokens);
      const b = replica(redis, fetchTokens);

      expect(await Promise.all([a.manager.getAccessToken(), b.manager.getAccessToken()])).toEqual([
        'at-1',
        'at-1',
      ]);
      expect(calls()).toBe(1);
      expect(JSON.parse(redis.peek(REDIS_KEY) ?? 'null')).toMatchObject({ accessToken: 'at-1' });
      expect([...a.events, ...b.events].filter((event) => event.type === 'cleared')).toEqual([]);
    },
  );

  it.each([
    ['a newer release, with fields this one does not know', { v: 2, boundTo: { kind: 'future' } }],
    ['an older release, without tokenType', { tokenType: undefined }],
  ])(
    'adopts a set written by %s: no token request, no invalid_entry, the value left as written',
    async (_, fields) => {
      const redis = new FakeRedis();
      const written = JSON.stringify({
        accessToken: 'at-other-release',
        tokenType: 'Bearer',
        expiresAt: Date.now() + HOUR,
        ...fields,
      });
      redis.put(REDIS_KEY, written, HOUR);
      const { fetchTokens, calls } = countingFetch();
      const a = replica(redis, fetchTokens);
      const b = replica(redis, fetchTokens);

      expect(await Promise.all([a.manager.getAccessToken(), b.manager.getAccessToken()])).toEqual([
        'at-other-release',
        'at-other-release',
      ]);
      expect(calls()).toBe(0);
      expect([...a.cacheEvents, ...b.cacheEvents]).toEqual([]);
      expect(redis.peek(REDIS_KEY)).toBe(written);
    },
  );

  it.each([20_000, -20_000, 10 * MINUTE])(
    'sends one token request per refresh across three replicas whose clocks differ by %i ms, all on the same token after each',
    async (skew) => {
      const redis = new FakeRedis();
      const { fetchTokens, calls } = countingFetch();
      const replicas = [
        replica(redis, fetchTokens),
        replica(redis, fetchTokens, { clock: () => Date.now() + skew }),
        replica(redis, fetchTokens, { clock: () => Date.now() - skew / 2 }),
      ];
      const tokens = new Set<string>();
      for (let minute = 0; minute < 5 * 60; minute++) {
        const got = await Promise.all(replicas.map(({ manager }) => manager.getAccessToken()));
        await vi.advanceTimersByTimeAsync(0); // the new set's message reaches the others
        const settled = await Promise.all(replicas.map(({ manager }) => manager.getAccessToken()));
        expect(new Set(settled).size).toBe(1);
        for (const token of got) tokens.add(token);
        await vi.advanceTimersByTimeAsync(MINUTE);
      }
      // The replica whose clock is ahead refreshes that much early: 10 min ahead, every 50 min.
      const refreshes = skew === 10 * MINUTE ? 6 : 5;
      expect(calls()).toBe(refreshes);
      expect([...tokens]).toEqual(Array.from({ length: refreshes }, (_, index) => `at-${index + 1}`));
    },
  );
});
