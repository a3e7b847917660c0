import type { TesseraErrorCode } from '@tessera/core';

/** Stable codes of the errors `@tessera/redis` adds to core's. Compare `error.code`, never the message. */
export type RedisErrorCode = Extract<TesseraErrorCode, 'REDIS_UNAVAILABLE' | 'INVALID_CACHE_ENTRY'>;
