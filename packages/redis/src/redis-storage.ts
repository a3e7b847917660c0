import type { Clock, TokenSet, TokenStorage } from '@tessera/core';
import { InvalidCacheEntryError } from './errors/invalid-cache-entry-error.js';
import { RedisUnavailableError } from './errors/redis-unavailable-error.js';
import type { RedisCommands } from './internal/redis-commands.js';
import type { TokenCodec } from './internal/token-codec.js';
import type { RedisCacheEvent } from './redis-cache-event.js';
import type { RedisMessageListener, RedisSubscriber } from './redis-client.js';

/** What `redisStorage` needs from the cache that creates it. */
export interface RedisStorageContext {
  commands: RedisCommands;
  subscriber: RedisSubscriber | undefined;
  codec: TokenCodec;
  clock: Clock;
  ttlWithoutExpiry: number | undefined;
  emit: (event: RedisCacheEvent) => void;
}

/** The message that announces a removal; a stored value is never empty. */
const REMOVED = '';

/**
 * A `TokenStorage` on the Redis key `redisKey`: `SET … PX <remaining life>` and a `PUBLISH` on the
 * channel of the same name on every write, so subscribed replicas adopt the set at once. Failures
 * throw (the manager reports `storage_error` and carries on with its in-memory set).
 */
export function redisStorage(redisKey: string, context: RedisStorageContext): TokenStorage {
  const { commands, subscriber, codec, emit } = context;

  const decode = (value: string): unknown => {
    try {
      return codec.decode(value, redisKey);
    } catch (error) {
      const invalid =
        error instanceof InvalidCacheEntryError ? error : new InvalidCacheEntryError('malformed', redisKey);
      emit({ type: 'invalid_entry', key: redisKey, error: invalid });
      throw invalid;
    }
  };

  /** Sent after the write on the same connection, hence delivered before the lock is released. */
  const publish = (operation: 'set' | 'remove', message: string): void => {
    commands.send(operation, ['PUBLISH', redisKey, message]).catch(() => {}); // reported as redis_unavailable
  };

  const storage: TokenStorage = {
    get: async () => {
      const value = await commands.send('get', ['GET', redisKey]);
      if (value === null || value === undefined) return undefined;
      return decode(String(value));
    },
    set: async (tokens: TokenSet) => {
      const ttl = timeToLive(tokens, context);
      if (ttl === undefined) return;
      const value = codec.encode(tokens, redisKey);
      await commands.send('set', ['SET', redisKey, value, 'PX', String(ttl)]);
      publish('set', value);
    },
    remove: async () => {
      await commands.send('remove', ['DEL', redisKey]);
      publish('remove', REMOVED);
    },
  };
  if (!subscriber) return storage;

  storage.subscribe = (onChange) => {
    const listener: RedisMessageListener = (message) => {
      if (message === REMOVED) return onChange(null);
      let value: unknown;
      try {
        value = decode(message);
      } catch {
        return; // reported as invalid_entry
      }
      onChange(value);
    };
    const report = (error: unknown): void => {
      const detail = `channel ${redisKey}: ${error instanceof Error ? error.message : 'rejected'}`;
      emit({
        type: 'redis_unavailable',
        operation: 'subscribe',
        error: new RedisUnavailableError('subscribe', 'failed', detail, error),
      });
    };
    subscriber.subscribe(redisKey, listener).catch(report);
    return () => {
      subscriber.unsubscribe(redisKey, listener).catch(report);
    };
  };
  return storage;
}

/** Milliseconds the set stays valid (never less than 1), or `undefined` when it must not be stored. */
/** The longest `PX` sent: a larger one (an `expires_in` of millennia) makes Redis refuse the `SET`. */
const MAX_TTL = 2 ** 53;

function timeToLive(tokens: TokenSet, context: RedisStorageContext): number | undefined {
  if (tokens.expiresAt === undefined) return context.ttlWithoutExpiry;
  const remaining = Math.floor(tokens.expiresAt - context.clock());
  return remaining >= 1 ? Math.min(remaining, MAX_TTL) : undefined;
}
