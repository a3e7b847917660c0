import { isTesseraError, TesseraError } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { isInvalidCacheEntryError, isRedisUnavailableError } from './guards.js';
import { InvalidCacheEntryError } from './invalid-cache-entry-error.js';
import { RedisUnavailableError } from './redis-unavailable-error.js';

describe('@tessera/redis errors', () => {
  it('are Tessera errors with their own stable codes', () => {
    const unavailable = new RedisUnavailableError('get', 'timeout', 'no reply within 1000 ms');
    const invalid = new InvalidCacheEntryError('malformed', 'tessera:tokens:orders');
    expect(unavailable).toBeInstanceOf(TesseraError);
    expect(isTesseraError(unavailable, 'REDIS_UNAVAILABLE')).toBe(true);
    expect(isTesseraError(invalid, 'INVALID_CACHE_ENTRY')).toBe(true);
    expect(isRedisUnavailableError(unavailable)).toBe(true);
    expect(isRedisUnavailableError(invalid)).toBe(false);
    expect(isInvalidCacheEntryError(invalid)).toBe(true);
  });
});
