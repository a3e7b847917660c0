export { isInvalidCacheEntryError, isRedisUnavailableError } from './errors/guards.js';
export { InvalidCacheEntryError, type InvalidCacheEntryReason } from './errors/invalid-cache-entry-error.js';
export type { RedisErrorCode } from './errors/redis-error-code.js';
export { RedisUnavailableError, type RedisUnavailableReason } from './errors/redis-unavailable-error.js';
export type { RedisCacheEvent, RedisCacheEventListener, RedisOperation } from './redis-cache-event.js';
export type { RedisCommandClient, RedisMessageListener, RedisSubscriber } from './redis-client.js';
export { type RedisTokenCache, redisTokenCache } from './redis-token-cache.js';
export { type RedisTokenCacheOptions, redisTokenCacheDefaults } from './redis-token-cache-options.js';
export { type TokenCacheKeyParts, tokenCacheKey } from './token-cache-key.js';
