import type { RedisSubscriber } from '../redis-client.js';

/** Runs callbacks each time the subscriber is connected and subscribed again after a disconnect. */
export interface Resubscribed {
  /** Runs `callback` on each reconnection until the returned function is called. */
  add(callback: () => void): () => void;
}

/**
 * One `'ready'` listener on `subscriber` for the whole cache (not one per key: hundreds of keys would
 * trip Node's MaxListenersExceededWarning), attached while at least one callback is registered, so a
 * cache nobody subscribes through leaves the application's client alone. A subscriber without `on`
 * is refused at creation (docs/decisions/0508); one without `off` keeps the listener, added once.
 */
export function resubscribed(subscriber: RedisSubscriber | undefined): Resubscribed {
  const callbacks = new Set<() => void>();
  let attached = false;
  const onReady = (): void => {
    for (const callback of [...callbacks]) callback();
  };
  return {
    add(callback) {
      if (!subscriber) return () => {};
      if (!attached) subscriber.on('ready', onReady);
      attached = true;
      callbacks.add(callback);
      return () => {
        if (!callbacks.delete(callback) || callbacks.size > 0 || !subscriber.off) return;
        subscriber.off('ready', onReady);
        attached = false;
      };
    },
  };
}
