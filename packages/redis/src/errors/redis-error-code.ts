import type { InvalidCacheEntryError } from './invalid-cache-entry-error.js';
import type { RedisUnavailableError } from './redis-unavailable-error.js';

declare module '@tessera/core' {
  /** The errors `@tessera/redis` adds: `isTesseraError(e, 'REDIS_UNAVAILABLE')` narrows to `RedisUnavailableError`. */
  interface TesseraErrorMap {
    /** Redis did not answer (reported through events, never thrown at callers). */
    REDIS_UNAVAILABLE: RedisUnavailableError;
    /** A cache entry could not be read or decrypted. */
    INVALID_CACHE_ENTRY: InvalidCacheEntryError;
  }
}

/** Stable codes of the errors `@tessera/redis` adds to core's. Compare `error.code`, never the message. */
export type RedisErrorCode = 'REDIS_UNAVAILABLE' | 'INVALID_CACHE_ENTRY';
