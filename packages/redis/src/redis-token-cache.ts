import { type RefreshLock, systemClock, type TokenStorage } from '@tessera/core';
import { redisCommands } from './internal/redis-commands.js';
import { resubscribed } from './internal/resubscribed.js';
import { subscriptions } from './internal/subscriptions.js';
import { tokenCodec } from './internal/token-codec.js';
import type { RedisCacheEvent } from './redis-cache-event.js';
import { redisLock } from './redis-lock.js';
import { redisStorage } from './redis-storage.js';
import { type RedisTokenCacheOptions, redisTokenCacheDefaults } from './redis-token-cache-options.js';

/** A token cache on Redis shared by replicas: storage per token set, one lock for all of them. */
export interface RedisTokenCache {
  /**
   * The storage of the token set named `key` (Redis key `${namespace}:tokens:${key}`). Use one key
   * per token set: `tokenCacheKey(...)`, or the `TokenManager`'s `key`. Pass the function itself as
   * `storage` to `clientCredentials()` of `@tessera/node`, which calls it with each target's key.
   */
  storage(key: string): TokenStorage;
  /** Serialises refreshes across replicas; pass it as `lock` to `TokenManager` or `clientCredentials()`. */
  readonly lock: RefreshLock;
  /**
   * Lets go of what the cache holds on `subscriber`: its `lock-released` subscription, its managers'
   * channel subscriptions (unsubscribed at Redis once no other listener of the connection has one) and
   * its `'ready'` listener (kept, idle, by a subscriber without `off`). For a cache made per tenant or
   * per request on a shared subscriber, which would otherwise keep one listener each for good.
   * Idempotent. The cache's storages and lock keep working afterwards, as a cache created without
   * `subscriber`: they read and write Redis, waiters poll, nothing is pushed to their managers. It
   * never closes `client` or `subscriber`, which stay yours; dispose the managers too.
   *
   * @example
   * const cache = redisTokenCache({ client, subscriber });
   * const credentials = clientCredentials({ ...tenant, storage: cache.storage, lock: cache.lock });
   * // when the tenant goes away:
   * credentials.dispose();
   * cache.dispose();
   */
  dispose(): void;
}

/**
 * A token cache on Redis that service replicas share: the first replica that needs a token takes a
 * short Redis lock, requests it and stores it for its remaining life; the others wait for it and
 * adopt it, so all replicas together send one token request per expiry. Each `TokenManager` still
 * keeps its set in memory, so a cached `getAccessToken()` never touches Redis; when Redis fails or
 * is slow, managers carry on with their own tokens and `onEvent` says so.
 *
 * @throws {TypeError} an option is invalid (e.g. `encryptionKey` is not 32 bytes, a `subscriber`
 * without `on('ready')`).
 *
 * @example
 * const client = createClient({ url: process.env.REDIS_URL });
 * client.on('error', (error) => log.warn(error)); // required: node-redis emits 'error' when Redis goes away
 * await client.connect();
 * const cache = redisTokenCache({ client });
 * const key = tokenCacheKey({ tokenUrl, clientId: 'billing', scope: 'orders:read' });
 * const tokens = new TokenManager({ key, storage: cache.storage(key), lock: cache.lock, fetchTokens });
 */
export function redisTokenCache(options: RedisTokenCacheOptions): RedisTokenCache {
  const namespace = options.namespace ?? redisTokenCacheDefaults.namespace;
  // The first `:`-separated part named `tokens`, `lock` or `lock-released` ends the namespace, so a
  // name splits back into one namespace, one kind and one key (decision 0509).
  if (typeof namespace !== 'string' || namespace.split(':').some((part) => SEPARATORS.has(part))) {
    throw new TypeError(
      `redisTokenCache: namespace must be a string without a ":"-separated part named tokens, lock or lock-released (got ${JSON.stringify(namespace)})`,
    );
  }
  // Clamped to the longest delay a timer takes: a longer command timeout, or renewal period
  // (lockTtl / 3), fired after about 1 ms (docs/decisions/0004).
  const lockTtl = Math.min(
    positive(options.lockTtl ?? redisTokenCacheDefaults.lockTtl, 'lockTtl'),
    MAX_DELAY,
  );
  const lockWait = options.lockWait === undefined ? undefined : positive(options.lockWait, 'lockWait', true);
  const timeout = Math.min(
    positive(options.timeout ?? redisTokenCacheDefaults.timeout, 'timeout'),
    MAX_DELAY,
  );
  const ttlWithoutExpiry =
    options.ttlWithoutExpiry === undefined
      ? undefined
      : positive(options.ttlWithoutExpiry, 'ttlWithoutExpiry');
  if (typeof options.client?.sendCommand !== 'function') {
    throw new TypeError('redisTokenCache: client must be a connected Redis client (with sendCommand)');
  }
  const { onEvent, client, subscriber } = options;
  // Without a 'ready' event a reconnected subscriber cannot say it missed messages: a sign-out it
  // missed was never caught up (decision 0508).
  if (subscriber !== undefined && typeof subscriber?.on !== 'function') {
    throw new TypeError(
      "redisTokenCache: subscriber must have on('ready', listener) to catch up after a reconnection (node-redis has it; ioredis: the README's adapter)",
    );
  }
  // Once subscribed, a connection runs no other command: every command would fail, for good.
  if (subscriber === (client as unknown)) {
    throw new TypeError(
      'redisTokenCache: subscriber must be a second connection (client.duplicate()), not the client itself',
    );
  }
  const codec = tokenCodec(options.encryptionKey);
  const emit = (event: RedisCacheEvent): void => {
    try {
      onEvent?.(event);
    } catch (error) {
      console.error(`[tessera] the onEvent listener threw on "${event.type}"; ignored.`, error);
    }
  };
  const commands = redisCommands({ client, timeout, emit });
  const clock = options.clock ?? systemClock;
  const reconnections = resubscribed(subscriber);
  const subscribed = subscriptions(subscriber, timeout, emit, reconnections);
  return {
    storage: (key: string): TokenStorage =>
      redisStorage(`${namespace}:tokens:${key}`, {
        commands,
        subscriptions: subscribed,
        resubscribed: reconnections,
        codec,
        clock,
        ttlWithoutExpiry,
        emit,
      }),
    lock: redisLock({ commands, subscriptions: subscribed, namespace, lockTtl, lockWait, emit }),
    dispose: subscribed.dispose,
  };
}

/** The parts that follow the namespace in Redis names: `${namespace}:tokens:…`, `:lock:…`, `:lock-released`. */
const SEPARATORS = new Set(['tokens', 'lock', 'lock-released']);

/** Longest delay `setTimeout` and `setInterval` take, in ms (about 24.8 days). */
const MAX_DELAY = 2 ** 31 - 1;

function positive(value: number, name: string, zeroAllowed = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < (zeroAllowed ? 0 : 1)) {
    throw new TypeError(`redisTokenCache: ${name} must be a number of milliseconds ≥ ${zeroAllowed ? 0 : 1}`);
  }
  return Math.floor(value);
}
