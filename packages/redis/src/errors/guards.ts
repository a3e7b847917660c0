import type { InvalidCacheEntryError } from './invalid-cache-entry-error.js';
import type { RedisUnavailableError } from './redis-unavailable-error.js';

/** Whether `value` is a `RedisUnavailableError`. Works across duplicate copies of the package. */
export function isRedisUnavailableError(value: unknown): value is RedisUnavailableError {
  return (
    value instanceof Error &&
    value.name === 'RedisUnavailableError' &&
    (value as { code?: unknown }).code === 'REDIS_UNAVAILABLE'
  );
}

/** Whether `value` is an `InvalidCacheEntryError`. Works across duplicate copies of the package. */
export function isInvalidCacheEntryError(value: unknown): value is InvalidCacheEntryError {
  return (
    value instanceof Error &&
    value.name === 'InvalidCacheEntryError' &&
    (value as { code?: unknown }).code === 'INVALID_CACHE_ENTRY'
  );
}
