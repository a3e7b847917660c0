import { RedisUnavailableError } from '../errors/redis-unavailable-error.js';
import type { RedisCacheEvent } from '../redis-cache-event.js';
import type { RedisMessageListener, RedisSubscriber } from '../redis-client.js';

/** What a cache holds on the application's subscriber connection; `dispose()` lets go of all of it. */
export interface Subscriptions {
  /** A subscriber was given and the cache is not disposed: subscribing does something. */
  readonly active: boolean;
  /**
   * Subscribes `listener` to `channel` and returns its unsubscribe (idempotent; also run by
   * `dispose()`). A rejected SUBSCRIBE is reported as `redis_unavailable` (`subscribe`, `failed`) and
   * calls `failed`; one unanswered after `timeout` ms (a subscriber that was never connected: node-redis
   * queues it until `connect()`) as `timeout`, and stays pending. Nothing while not `active`.
   */
  subscribe(channel: string, listener: RedisMessageListener, failed?: () => void): () => void;
  /** Runs `release` at `dispose()` unless the returned function ran it first; once either way. */
  hold(release: () => void): () => void;
  /** Runs everything held, and holds nothing more: the cache then works as one without a subscriber. */
  dispose(): void;
}

export function subscriptions(
  subscriber: RedisSubscriber | undefined,
  timeout: number,
  emit: (event: RedisCacheEvent) => void,
): Subscriptions {
  const held = new Set<() => void>();
  let disposed = false;
  const report = (channel: string, reason: 'failed' | 'timeout', error?: unknown): void => {
    const why = reason === 'timeout' ? `no reply within ${timeout} ms (is the subscriber connected?)` : '';
    const detail = `channel ${channel}: ${why || (error instanceof Error ? error.message : 'rejected')}`;
    const failure = new RedisUnavailableError('subscribe', reason, detail, error);
    emit({ type: 'redis_unavailable', operation: 'subscribe', error: failure });
  };
  const scope: Subscriptions = {
    get active() {
      return !!subscriber && !disposed;
    },
    subscribe(channel, listener, failed) {
      if (!subscriber || disposed) return () => {};
      const unanswered = setTimeout(() => report(channel, 'timeout'), timeout);
      // Only a warning: nobody waits for it, and a pending SUBSCRIBE must not hold the process.
      (unanswered as { unref?: () => void }).unref?.();
      subscriber.subscribe(channel, listener).then(
        () => clearTimeout(unanswered),
        (error: unknown) => {
          clearTimeout(unanswered);
          report(channel, 'failed', error);
          failed?.();
        },
      );
      return scope.hold(() => {
        clearTimeout(unanswered);
        subscriber.unsubscribe(channel, listener).catch((error: unknown) => report(channel, 'failed', error));
      });
    },
    hold(release) {
      let once = (): void => {
        once = () => {};
        held.delete(run);
        release();
      };
      const run = (): void => once();
      if (!disposed) held.add(run);
      return run;
    },
    dispose() {
      disposed = true;
      for (const release of [...held]) release();
    },
  };
  return scope;
}
