import { startTimer, unrefTimer } from '../internal/timer.js';
import type { RefreshLock, RefreshLockRunOptions } from '../refresh-lock.js';
import { lockWait } from './web-locks-lock.js';

/** How long a claim listens for an earlier claim or a holder's answer before taking the lock, in ms. */
const SETTLE = 100;
/** How long a beaten claim waits before claiming again (a holder whose tab closed never says `released`), in ms. */
const RECLAIM = 1_000;

/** Options of `channelLock`. Durations are milliseconds. */
export interface ChannelLockOptions {
  /** Names the channel (`${prefix}/locks`) and prefixes every lock name. */
  prefix: string;
  /** Longest wait before the task runs anyway; `undefined`: the manager's `maxWait`, else 10 s. */
  timeout: number | undefined;
  /** The BroadcastChannel constructor; `undefined` runs every task at once, unlocked. */
  BroadcastChannel: typeof BroadcastChannel | undefined;
  /** Called when the task settled; `released` is posted once the promise it returns settles (this tab's storage writes landed, or were posted after a bounded wait). */
  hold?: () => Promise<unknown>;
}

type LockMessage = { lock: string; id: string; at: number; type: 'claim' | 'held' | 'released' };

/**
 * A `RefreshLock` over a BroadcastChannel, for where Web Locks are missing (`http:` origins other
 * than localhost; Safari before 15.4 has no BroadcastChannel either): one refresh at a time across the
 * tabs of the origin (decision 0607).
 *
 * A tab claims the lock and listens `SETTLE` ms. An earlier claim, or a holder's answer to the
 * claim, beats it (a tab still listening answers a later claim with its own); a beaten tab claims
 * again when a holder says `released`, or after `RECLAIM` ms — so a holder whose tab closed or
 * crashed, which never says `released` and answers no claim, is passed over within about a second.
 * The wait is bounded like the Web Locks one: after `timeout` (by default the manager's worst-case
 * refresh) the task runs anyway. When the manager's `signal` aborts while waiting, the channel is
 * closed, the timers cleared and the task never runs. A task that throws releases the lock too.
 */
export function channelLock({
  prefix,
  timeout,
  BroadcastChannel: Channel,
  hold,
}: ChannelLockOptions): RefreshLock {
  return {
    run<T>(name: string, task: () => Promise<T>, options?: RefreshLockRunOptions): Promise<T> {
      const signal = options?.signal;
      if (signal?.aborted) return Promise.reject(signal.reason);
      let channel: BroadcastChannel;
      try {
        channel = new Channel!(`${prefix}/locks`);
      } catch {
        return task(); // no BroadcastChannel, or refused (a sandboxed iframe): unlocked
      }
      unrefTimer(channel); // Node: the channel alone never keeps the process alive
      const lock = `${prefix}/${name}`;
      const id = Math.random().toString(36).slice(2);
      const wait = lockWait(timeout, options);
      return new Promise<T>((resolve, reject) => {
        let state: 'claiming' | 'waiting' | 'held' = 'claiming';
        let at = 0;
        let step: ReturnType<typeof setTimeout> | undefined;
        let deadline: ReturnType<typeof setTimeout> | undefined;
        const post = (type: LockMessage['type']): void => channel.postMessage({ lock, id, at, type });
        const claim = (): void => {
          state = 'claiming';
          at = Date.now();
          post('claim');
          step = startTimer(take, SETTLE);
        };
        /** Stops waiting: clears the timers and stops listening to `signal`. */
        const leave = (): void => {
          clearTimeout(step);
          clearTimeout(deadline);
          signal?.removeEventListener('abort', onAbort);
        };
        const take = (): void => {
          leave();
          state = 'held';
          const result = new Promise<T>((settle) => settle(task()));
          result.then(resolve, reject);
          // Released once the task settled and its storage writes landed (or, hung, were posted as they are).
          result
            .catch(() => {})
            .then(hold)
            .finally(() => {
              post('released');
              channel.close();
            });
        };
        // The manager was disposed: nobody waits for the task any more.
        const onAbort = (): void => {
          leave();
          channel.close();
          reject(signal?.reason);
        };
        channel.onmessage = ({ data }: MessageEvent<LockMessage | null>) => {
          // Only our own shape counts: anything else (another version, a hostile script) never delays a claim.
          if (
            data?.lock !== lock ||
            typeof data.id !== 'string' ||
            data.id === id ||
            !Number.isFinite(data.at)
          )
            return;
          if (state === 'held') {
            if (data.type === 'claim') post('held');
          } else if (data.type === 'released') {
            // A claim under way goes on: a late or repeated `released` must not restart it.
            if (state === 'waiting') {
              clearTimeout(step);
              claim();
            }
          } else if (state === 'claiming' && (data.type === 'claim' || data.type === 'held')) {
            if (data.type === 'held' || data.at < at || (data.at === at && data.id < id)) {
              // Beaten by a holder or an earlier claim: claim again when it is released, or after RECLAIM.
              state = 'waiting';
              clearTimeout(step);
              step = startTimer(claim, RECLAIM);
            } else post('claim'); // ours is earlier: tell the later claimer
          }
        };
        // Serves a waiting caller, so it may keep a Node process alive (docs/decisions/0004).
        if (Number.isFinite(wait)) deadline = startTimer(take, wait);
        signal?.addEventListener('abort', onAbort, { once: true });
        claim();
      });
    },
  };
}
