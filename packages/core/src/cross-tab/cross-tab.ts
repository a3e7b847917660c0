import type { CrossTabSync } from '../cross-tab-sync.js';
import type { TokenStorage } from '../storage/token-storage.js';
import { broadcastStorage } from './broadcast-storage.js';
import { channelLock } from './channel-lock.js';
import type { WebLocks } from './web-locks.js';
import { webLocksLock } from './web-locks-lock.js';
import { bounded, writeMarkers } from './write-markers.js';

/** Options of `crossTab()`. Durations are milliseconds. */
export interface CrossTabOptions {
  /**
   * Names the BroadcastChannel and prefixes the Web Locks (`${name}/tessera:${key}`). Managers
   * sync across tabs when they use the same name and the same manager `key`; managers with other
   * keys may share the name (decision 0605).
   * @default 'tessera'
   */
  name?: string;
  /**
   * Longest wait for another tab's refresh, in ms. After it the tab stops waiting, re-reads storage
   * (adopting the set the holder stored meanwhile) and only then refreshes on its own, so a lock
   * that is never granted cannot hang the app. By default the manager's own worst-case refresh
   * (`timeout` × attempts + backoff, + `timeout` for each of its storage read and write, + 1 s: about
   * 64 s with the defaults), so a holder that is still working is never overtaken.
   * Must be a number ≥ 0 (`Infinity` waits forever); anything else throws a `TypeError`.
   * @default the manager's worst-case refresh
   */
  lockTimeout?: number;
  /**
   * The Web Locks API. Without it (`http:` origins other than localhost), or when the browser refuses
   * a lock request (a `SecurityError`), the tabs take turns over the BroadcastChannel instead: a refresh waits 100 ms more, and a tab that closed while
   * refreshing is passed over within about 1 s. Without a BroadcastChannel either (Safari < 15.4 has
   * neither), refreshes are not locked between tabs (decision 0607).
   * @default globalThis.navigator?.locks
   */
  locks?: WebLocks;
  /**
   * The BroadcastChannel constructor. Without it, tabs only learn of changes through the storage's
   * own events (`storage` events of `webStorage(localStorage)`).
   * @default globalThis.BroadcastChannel
   */
  BroadcastChannel?: typeof BroadcastChannel;
}

/** Longest wait for a write another tab announced to reach this one, in ms (docs/decisions/0601). */
const CATCH_UP_TIMEOUT = 1_000;

/**
 * Coordinates the `TokenManager`s of one origin across browser tabs: one refresh at a time through
 * a Web Lock (the others then find the new set in storage and send no token request), and every
 * new token set and sign-out posted on a BroadcastChannel. Without Web Locks the tabs take turns
 * over the BroadcastChannel (decision 0607); without BroadcastChannel each tab is on its own. A
 * lock that is never granted times out after `lockTimeout` ms (by default the manager's worst-case
 * refresh).
 *
 * @throws {TypeError} `lockTimeout` is not a number ≥ 0 (`NaN`, negative, a string).
 * @example
 * const tokens = new TokenManager({
 *   fetchTokens: refreshTokenGrant({ tokenUrl, clientId: 'web' }),
 *   storage: webStorage(localStorage),
 *   crossTab: crossTab(),
 * });
 */
export function crossTab(options: CrossTabOptions = {}): CrossTabSync {
  const name = options.name ?? 'tessera';
  const lockTimeout = options.lockTimeout;
  if (lockTimeout !== undefined && !(typeof lockTimeout === 'number' && lockTimeout >= 0)) {
    throw new TypeError(`crossTab(): lockTimeout must be a number of ms ≥ 0, got ${String(lockTimeout)}`);
  }
  const globals = globalThis as {
    navigator?: { locks?: WebLocks };
    BroadcastChannel?: typeof BroadcastChannel;
  };
  const locks = options.locks ?? globals.navigator?.locks;
  const Channel = options.BroadcastChannel ?? globals.BroadcastChannel;
  const catchUpTimeout = Math.min(CATCH_UP_TIMEOUT, lockTimeout ?? CATCH_UP_TIMEOUT);
  // This tab's writes still landing, each with a function that posts and marks it at once: a refresh
  // lock is released only after them, so the next holder never reads storage without the set that
  // spent the refresh token (decision 0607, updates). One still landing `catchUpTimeout` after the
  // task settled (a hung IndexedDB) is posted as it is and never waited for again.
  const writing = new Map<Promise<void>, () => Promise<void>>();
  const hold = async (): Promise<unknown> => {
    const pending = [...writing];
    return (
      (await bounded(Promise.allSettled(pending.map(([landed]) => landed)), 0, catchUpTimeout)) ||
      Promise.allSettled(pending.map(([landed, tell]) => writing.delete(landed) && tell()))
    );
  };
  return {
    lock: webLocksLock({
      prefix: name,
      timeout: lockTimeout,
      locks,
      fallback: channelLock({ prefix: name, timeout: lockTimeout, BroadcastChannel: Channel, hold }),
      hold,
    }),
    wrapStorage: (storage: TokenStorage, key: string, check?: (value: unknown) => unknown): TokenStorage =>
      broadcastStorage(storage, {
        check,
        channel: name,
        key,
        BroadcastChannel: Channel,
        markers: writeMarkers({ locks, prefix: `${name}/written/`, timeout: catchUpTimeout }),
        catchUpTimeout,
        writing,
      }),
  };
}
