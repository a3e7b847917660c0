// The ioredis adapter the README shows, verbatim: the integration suite proves it on a real server.
import type { Redis } from 'ioredis';
import type { RedisCommandClient, RedisMessageListener, RedisSubscriber } from '../src/index.js';

/** `client` option for an ioredis connection. */
export function ioredisClient(redis: Redis): RedisCommandClient {
  // Scripts publish on their prefixed key, while the subscriber listens on the name unprefixed.
  if (redis.options.keyPrefix) {
    throw new TypeError(
      'ioredisClient: leave keyPrefix unset (it prefixes keys, not pub/sub channels); use the namespace option',
    );
  }
  return {
    sendCommand: (args) => redis.call(args[0] ?? '', ...args.slice(1)),
    get isReady() {
      return redis.status === 'ready';
    },
  };
}

/** `subscriber` option for a second ioredis connection (`redis.duplicate()`). */
export function ioredisSubscriber(redis: Redis): RedisSubscriber {
  const channels = new Map<string, Set<RedisMessageListener>>();
  redis.on('message', (channel: string, message: string) => {
    for (const listener of channels.get(channel) ?? []) listener(message, channel);
  });
  const onReady = new Map<() => void, () => void>();
  return {
    subscribe: async (channel, listener) => {
      const listeners = channels.get(channel) ?? new Set();
      channels.set(channel, listeners.add(listener));
      if (listeners.size === 1) await redis.subscribe(channel);
    },
    unsubscribe: async (channel, listener) => {
      const listeners = channels.get(channel);
      if (!listeners?.delete(listener) || listeners.size > 0) return;
      channels.delete(channel);
      await redis.unsubscribe(channel);
    },
    // ioredis emits 'ready' before it subscribes again: tell Tessera once the channels are subscribed.
    on: (_event, listener) => {
      const resubscribed = async (): Promise<void> => {
        if (channels.size > 0) await redis.subscribe(...channels.keys()).catch(() => {});
        listener();
      };
      onReady.set(listener, resubscribed);
      redis.on('ready', resubscribed);
    },
    off: (_event, listener) => {
      const resubscribed = onReady.get(listener);
      if (resubscribed) redis.off('ready', resubscribed);
      onReady.delete(listener);
    },
  };
}
