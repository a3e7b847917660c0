// Unit-test replicas: TokenManagers that share one FakeRedis the way service replicas share Redis.
import { type FetchTokens, type TokenEvent, TokenManager } from '@tessera/core';
import type { RedisCacheEvent } from '../src/redis-cache-event.js';
import { redisTokenCache } from '../src/redis-token-cache.js';
import type { RedisTokenCacheOptions } from '../src/redis-token-cache-options.js';
import type { FakeRedis } from './fake-redis.js';

export const KEY = 'svc@https://auth.example.com/token|read||';
export const REDIS_KEY = `tessera:tokens:${KEY}`;

export interface Replica {
  manager: TokenManager;
  events: TokenEvent[];
  cacheEvents: RedisCacheEvent[];
}

/** A TokenManager on `redis` with its own cache (as in its own process), recording every event. */
export function replica(
  redis: FakeRedis,
  fetchTokens: FetchTokens,
  options: Partial<RedisTokenCacheOptions> & { subscribe?: boolean } = {},
): Replica {
  const cacheEvents: RedisCacheEvent[] = [];
  const { subscribe = true, ...cacheOptions } = options;
  const cache = redisTokenCache({
    client: redis.client(),
    ...(subscribe ? { subscriber: redis.subscriber() } : {}),
    onEvent: (event) => cacheEvents.push(event),
    ...cacheOptions,
  });
  const manager = new TokenManager({
    key: KEY,
    fetchTokens,
    storage: cache.storage(KEY),
    lock: cache.lock,
    retry: false,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const events: TokenEvent[] = [];
  manager.subscribe((event) => events.push(event));
  return { manager, events, cacheEvents };
}

/** A fetchTokens answering `at-1`, `at-2`… valid for `expiresIn` seconds, counting calls. */
export function countingFetch(expiresIn: number | undefined = 3600) {
  let calls = 0;
  const fetchTokens: FetchTokens = async () => {
    calls += 1;
    return { access_token: `at-${calls}`, ...(expiresIn === undefined ? {} : { expires_in: expiresIn }) };
  };
  return { fetchTokens, calls: () => calls };
}

export { deferred } from '../../e2e-support/test-support/deferred.js';
