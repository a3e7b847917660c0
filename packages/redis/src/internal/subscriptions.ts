import { RedisUnavailableError } from '../errors/redis-unavailable-error.js';
import type { RedisCacheEvent } from '../redis-cache-event.js';
import type { RedisMessageListener, RedisSubscriber } from '../redis-client.js';
import type { Resubscribed } from './resubscribed.js';

/** What a cache holds on the application's subscriber connection; `dispose()` lets go of all of it. */
export interface Subscriptions {
  /** A subscriber was given and the cache is not disposed: subscribing does something. */
  readonly active: boolean;
  /**
   * Subscribes `listener` to `channel` and returns its unsubscribe (idempotent; also run by
   * `dispose()`). A rejected SUBSCRIBE is reported as `redis_unavailable` (`subscribe`, `failed`) and
   * sent again at the subscriber's next `'ready'`, and so on until one is answered; `resubscribed` runs
   * when that one is (messages published before were missed). One unanswered after `timeout` ms (a
   * subscriber that was never connected: node-redis queues it until `connect()`) is reported as
   * `timeout`, and stays pending: its rejection after that is reported too, with the cause the warning
   * could not name (a `NOPERM` once connected). Nothing while not `active`.
   */
  subscribe(channel: string, listener: RedisMessageListener, resubscribed?: () => void): () => void;
  /** Runs `release` at `dispose()` unless the returned function ran it first; once either way. */
  hold(release: () => void): () => void;
  /** Runs everything held, and holds nothing more: the cache then works as one without a subscriber. */
  dispose(): void;
}

/**
 * What `call` returns as a promise, rejected when it throws: a custom subscriber (plain JavaScript)
 * may throw at once or return no promise, which is then a failure reported or an answer, never a
 * throw out of a manager's constructor, its `dispose()` or the lock (decision 0502).
 */
const settled = (call: () => unknown): Promise<unknown> => new Promise((resolve) => resolve(call()));

export function subscriptions(
  subscriber: RedisSubscriber | undefined,
  timeout: number,
  emit: (event: RedisCacheEvent) => void,
  reconnections: Resubscribed,
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
    subscribe(channel, listener, resubscribed) {
      if (!subscriber || disposed) return () => {};
      let unanswered: ReturnType<typeof setTimeout> | undefined;
      let stopWaiting = (): void => {};
      let failed = false;
      let released = false;
      const attempt = (retry: boolean): void => {
        failed = false;
        unanswered = setTimeout(() => report(channel, 'timeout'), timeout);
        // Only a warning: nobody waits for it, and a pending SUBSCRIBE must not hold the process.
        (unanswered as { unref?: () => void }).unref?.();
        settled(() => subscriber.subscribe(channel, listener)).then(
          () => {
            clearTimeout(unanswered);
            if (retry) resubscribed?.();
          },
          (error: unknown) => {
            clearTimeout(unanswered);
            failed = true;
            if (released) return; // the UNSUBSCRIBE sent meanwhile failed alike, or found nothing
            report(channel, 'failed', error);
            // node-redis forgets a rejected subscription (also one in flight when its connection
            // dropped) and never makes it again itself: sent again once the subscriber is back.
            stopWaiting = reconnections.add(() => {
              stopWaiting();
              attempt(true);
            });
          },
        );
      };
      attempt(false);
      return scope.hold(() => {
        released = true;
        clearTimeout(unanswered);
        stopWaiting();
        // Also after a failed SUBSCRIBE, for what a client may keep of it (the ioredis adapter); that
        // failure was the one reported, so one UNSUBSCRIBE that fails too adds no second event.
        settled(() => subscriber.unsubscribe(channel, listener)).catch((error: unknown) => {
          if (!failed) report(channel, 'failed', error);
        });
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
