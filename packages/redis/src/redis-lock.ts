import { randomUUID } from 'node:crypto';
import type { RefreshLock, RefreshLockRunOptions } from '@tessera/core';
import { ACQUIRE_SCRIPT, RELEASE_SCRIPT, RENEW_SCRIPT } from './internal/lock-scripts.js';
import type { RedisCommands } from './internal/redis-commands.js';
import type { Subscriptions } from './internal/subscriptions.js';
import type { RedisCacheEvent } from './redis-cache-event.js';
import { redisTokenCacheDefaults } from './redis-token-cache-options.js';

/** What `redisLock` needs from the cache that creates it. Durations are milliseconds. */
export interface RedisLockContext {
  commands: RedisCommands;
  /** The cache's subscriptions on the application's subscriber (inactive without one, or disposed). */
  subscriptions: Subscriptions;
  namespace: string;
  lockTtl: number;
  /** `undefined`: the manager's `maxWait` (its worst-case refresh), else `redisTokenCacheDefaults.lockWait`, plus `lockTtl`. */
  lockWait: number | undefined;
  emit: (event: RedisCacheEvent) => void;
}

/** First and longest pause between two attempts to take a held lock, in ms. */
const FIRST_POLL = 10;
const LONGEST_POLL = 200;

/**
 * A `RefreshLock` on Redis: `SET <key> <unique value> NX PX lockTtl` (in a script that first takes
 * over a key no holder set: no expiry, or another type), extended every `lockTtl / 3`
 * ms while the task runs, released by its owner only (compare-and-delete script). A waiter retries
 * with backoff — at once when the release is announced on `${namespace}:lock-released` — for up to
 * `lockWait` ms (by default the manager's worst-case refresh plus `lockTtl`: a live holder renews its
 * lock, so it is never overtaken, and a dead one's lock expires within that; decision 0014), then runs the
 * task unlocked. When Redis fails, the task runs unlocked at once; a
 * `SET` that timed out but that Redis runs later (a frozen Redis resuming) is deleted again as soon
 * as its late `OK` arrives, so no lock is left that nobody holds. The task always runs exactly once.
 */
export function redisLock(context: RedisLockContext): RefreshLock {
  const { commands, subscriptions, namespace, lockTtl, lockWait, emit } = context;
  const releasedChannel = `${namespace}:lock-released`;
  const wakers = new Map<string, Set<() => void>>();
  let listening = false;
  const onRelease = (name: string): void => {
    for (const wake of [...(wakers.get(name) ?? [])]) wake();
  };

  /**
   * Subscribes to release announcements once, on the first wait; a rejected SUBSCRIBE is sent again
   * when the subscriber is next ready (`subscriptions`). Held until the cache's `dispose()`.
   */
  const listen = (): void => {
    if (listening) return;
    listening = true;
    subscriptions.subscribe(releasedChannel, onRelease);
  };

  /** Resolves after `delay` ms, or earlier when lock `name` is announced released or `signal` aborts. */
  const pause = (name: string, delay: number, signal: AbortSignal | undefined): Promise<void> =>
    new Promise((resolve) => {
      const waiting = wakers.get(name) ?? new Set<() => void>();
      wakers.set(name, waiting);
      const wake = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', wake);
        waiting.delete(wake);
        if (waiting.size === 0 && wakers.get(name) === waiting) wakers.delete(name);
        resolve();
      };
      // Serves a waiting caller, so it may keep the process alive (docs/decisions/0004) — until the
      // manager is disposed (`signal`).
      const timer = setTimeout(wake, delay);
      signal?.addEventListener('abort', wake, { once: true });
      waiting.add(wake);
    });

  /**
   * Compare-and-delete: removes lock `key` only while it holds `owner`, and announces the release.
   * Sent even during the cool-down: a lock left behind makes every replica wait up to `lockTtl`, and
   * nobody awaits the release. A command that failed meanwhile (a write refused with `NOPERM` or
   * `OOM`, a timeout) says little about this one; after a late reply Redis has just answered.
   */
  const release = (key: string, owner: string, name: string, onLost?: () => void): void => {
    // A failure is reported as redis_unavailable; the lock then expires after lockTtl.
    const args = ['EVAL', RELEASE_SCRIPT, '1', key, owner, releasedChannel, name];
    commands.send('unlock', args, { ignoreCooldown: true }).then(
      (reply) => {
        if (Number(reply) === 0) onLost?.();
      },
      () => {},
    );
  };

  const hold = async <T>(name: string, key: string, owner: string, task: () => Promise<T>): Promise<T> => {
    // Sent whatever the cool-down: after one failed command (a renewal that timed out, another
    // key's read) the cool-down skipped the next renewal too, and with a `lockTtl` under 3 s the
    // one after that came when the lock had expired: another replica took it while this one held it.
    const renew = ['EVAL', RENEW_SCRIPT, '1', key, owner, String(lockTtl)];
    let lost = false;
    // A reply after the renewal timed out counts too: the task may end before the next renewal asks.
    // So does the release's: a lock evicted (`maxmemory`), flushed or lost in a restart before the
    // first renewal is found gone only there.
    const check = (reply: unknown): void => {
      if (Number(reply) !== 0 || lost) return;
      lost = true;
      clearInterval(renewal);
      emit({ type: 'lock_lost', name });
    };
    const renewal = setInterval(
      () => {
        commands
          .send('renew', renew, { ignoreCooldown: true, onLateReply: check })
          // A failure is reported as redis_unavailable; the next renewal tries again.
          .then(check, () => {});
      },
      Math.max(1, Math.floor(lockTtl / 3)),
    );
    (renewal as { unref?: () => void }).unref?.();
    try {
      return await task();
    } finally {
      clearInterval(renewal);
      // Not awaited: callers get their token now; the release follows on the same connection.
      release(key, owner, name, () => check(0));
    }
  };

  return {
    async run<T>(name: string, task: () => Promise<T>, options?: RefreshLockRunOptions): Promise<T> {
      const key = `${namespace}:lock:${name}`;
      const owner = randomUUID();
      const started = performance.now();
      const signal = options?.signal;
      // The holder's refresh, then `lockTtl` for its lock to expire if it died meanwhile: a default
      // wait shorter than `lockTtl` made every waiter request at once after a holder crashed.
      const wait = lockWait ?? (options?.maxWait ?? redisTokenCacheDefaults.lockWait) + lockTtl;
      let delay = FIRST_POLL;
      for (;;) {
        signal?.throwIfAborted(); // disposed while waiting: no more polls, the task never runs
        let reply: unknown;
        try {
          const args = ['EVAL', ACQUIRE_SCRIPT, '1', key, owner, String(lockTtl)];
          reply = await commands.send('lock', args, {
            // Gave up on this SET (timeout) but Redis ran it after all: nobody would hold that lock
            // and every replica would wait lockTtl for it. Delete it if it is still ours.
            onLateReply: (late) => {
              if (late === 'OK') release(key, owner, name);
            },
          });
        } catch {
          signal?.throwIfAborted(); // disposed while Redis failed to answer: the task never runs
          return task(); // reported as redis_unavailable
        }
        // Disposed while Redis answered: the task never runs, a lock just taken is let go at once, and
        // no poll timer is left to hold the process up.
        if (signal?.aborted) {
          if (reply === 'OK') release(key, owner, name);
          signal.throwIfAborted();
        }
        if (reply === 'OK') return hold(name, key, owner, task);
        const waited = performance.now() - started;
        if (waited >= wait) {
          emit({ type: 'lock_timeout', name, waited: Math.round(waited) });
          return task();
        }
        listen();
        await pause(name, Math.min(delay / 2 + (Math.random() * delay) / 2, wait - waited), signal);
        delay = Math.min(delay * 2, LONGEST_POLL);
      }
    },
  };
}
