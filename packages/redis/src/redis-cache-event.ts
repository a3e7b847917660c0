import type { InvalidCacheEntryError } from './errors/invalid-cache-entry-error.js';
import type { RedisUnavailableError } from './errors/redis-unavailable-error.js';

/** What Tessera was doing on Redis when something went wrong. */
export type RedisOperation =
  /** Reading the stored token set. */
  | 'get'
  /** Storing a token set (and publishing it). */
  | 'set'
  /** Removing the stored token set. */
  | 'remove'
  /** Taking the refresh lock. */
  | 'lock'
  /** Extending the refresh lock while the task runs. */
  | 'renew'
  /** Releasing the refresh lock. */
  | 'unlock'
  /** Subscribing to or unsubscribing from a channel. */
  | 'subscribe';

/** Everything `redisTokenCache` tells `onEvent`. Discriminated by `type`. */
export type RedisCacheEvent =
  /** A Redis command failed, timed out, or was skipped because Redis is down; Tessera carried on without it. */
  | { type: 'redis_unavailable'; operation: RedisOperation; error: RedisUnavailableError }
  /** A command succeeded again after `redis_unavailable`. */
  | { type: 'redis_available' }
  /**
   * A stored or published value could not be read (wrong `encryptionKey`, tampered, or not
   * written by Tessera). It counts as empty.
   */
  | { type: 'invalid_entry'; key: string; error: InvalidCacheEntryError }
  /** Another replica held the lock for `waited` ms (the `lockWait` option): this one refreshed without it. */
  | { type: 'lock_timeout'; name: string; waited: number }
  /**
   * The lock expired, was taken or disappeared (evicted, flushed, Redis restarted) while this replica
   * refreshed under it: found by a renewal, or by the release when the refresh ended first. Once per lock.
   */
  | { type: 'lock_lost'; name: string };

/** Receives every `RedisCacheEvent`. Must not throw; a throwing listener is logged and ignored. */
export type RedisCacheEventListener = (event: RedisCacheEvent) => void;
