import type { Clock } from '@tessera/core';
import type { RedisCacheEventListener } from './redis-cache-event.js';
import type { RedisCommandClient, RedisSubscriber } from './redis-client.js';

/** Options of `redisTokenCache(options)`. Durations are milliseconds. */
export interface RedisTokenCacheOptions {
  /**
   * A connected Redis client: `createClient()` of `redis` (node-redis 5) after `await client.connect()`,
   * or any object with `sendCommand` (ioredis: see the README). Attach an `'error'` listener to it:
   * node-redis emits `'error'` when Redis goes away, and an unheard `'error'` crashes Node.
   */
  client: RedisCommandClient;
  /**
   * A second, connected client for pub/sub, e.g. `client.duplicate()`. With it, a token set stored by
   * one replica reaches the others' managers at once (no Redis read at their next refresh), and lock
   * waiters wake as soon as the lock is released instead of at their next poll. It must have
   * `on('ready', listener)`, so a reconnection is caught up, and must not be `client` itself, which
   * could then run no other command (a `TypeError` at creation otherwise). One not connected yet
   * (node-redis before `connect()`) works once it is; until then each subscription it does not answer
   * within `timeout` is reported as `redis_unavailable` (`subscribe`, reason `timeout`). A cache made
   * per tenant or request on a shared subscriber must be `dispose()`d when it goes away.
   * @default undefined (no subscription: replicas read Redis when they refresh, waiters poll)
   */
  subscriber?: RedisSubscriber;
  /**
   * Prefix of every Redis key and channel: `${namespace}:tokens:${key}`, `${namespace}:lock:${name}`.
   * Give each environment sharing one Redis its own. `:` is allowed (`'tessera:prod'`), but no
   * `:`-separated part may be `tokens`, `lock` or `lock-released` (a `TypeError` at creation): two
   * namespaces could then name one key.
   * @default 'tessera'
   */
  namespace?: string;
  /**
   * How long a refresh lock lives, in ms. The holder extends it every `lockTtl / 3` ms while it
   * refreshes, so this is how long a crashed holder blocks the others, not a limit on the refresh.
   * At most 2^31−1 (about 24.8 days); a longer one is taken as that.
   * @default 5_000
   */
  lockTtl?: number;
  /**
   * Longest wait for another replica's refresh, in ms. After it this replica requests a token
   * itself (and emits `lock_timeout`). Keep it above `lockTtl`, so a crashed holder's lock expires
   * and one waiter takes over before the others give up. By default, the longest a refresh of the
   * waiting manager can take (`maxWait`: 63.8 s for a `TokenManager` with default options) plus
   * `lockTtl` (68.8 s in all): a live holder keeps its lock while its token endpoint is slow or it
   * retries, and is never overtaken by every waiter at once; a holder that crashed, even late in its
   * refresh, has its lock expire within that wait, and one waiter takes over. A lock that is given
   * no `maxWait` waits 10 s (`redisTokenCacheDefaults.lockWait`) plus `lockTtl`.
   * @default the manager's worst-case refresh (`maxWait`), else 10_000; plus `lockTtl`
   */
  lockWait?: number;
  /**
   * Timeout of each Redis command, in ms. A command that takes longer counts as a failure, and
   * Redis is skipped for a second (`redis_unavailable`, reason `cooling_down`), except a held lock's
   * renewal and release, which are still sent (decision 0501). At most 2^31−1
   * (about 24.8 days); a longer one is taken as that.
   * @default 1_000
   */
  timeout?: number;
  /**
   * 32-byte key (a `Buffer`/`Uint8Array`, or base64 text such as the output of
   * `openssl rand -base64 32`) to encrypt token sets with AES-256-GCM before they reach Redis. Every
   * replica needs the same key. Values that do not decrypt with it count as empty.
   * @default undefined (token sets are stored as plain JSON)
   */
  encryptionKey?: Uint8Array | string;
  /**
   * Lifetime in Redis, in ms, of token sets that have no expiry (no `expires_in`, no JWT `exp`).
   * By default they are not stored: each replica keeps its own. At most 2^53 ms: a longer one (which Redis
   * would refuse, e.g. `Number.MAX_VALUE`) is taken as that.
   * @default undefined
   */
  ttlWithoutExpiry?: number;
  /**
   * The current time as epoch ms, to compute how long a token set lives in Redis. Pass the clock
   * of your `TokenManager` when you inject one.
   * @default Date.now
   */
  clock?: Clock;
  /**
   * Receives every `RedisCacheEvent`: Redis unavailable and back, unreadable entries, lock waits
   * that timed out. The token manager's own `storage_error` events report `get`/`set`/`remove`
   * failures too.
   * @default undefined
   */
  onEvent?: RedisCacheEventListener;
}

/** The defaults the docs list; `redisTokenCache` reads them from here. */
export const redisTokenCacheDefaults = {
  namespace: 'tessera',
  lockTtl: 5_000,
  lockWait: 10_000,
  timeout: 1_000,
} as const;
