import type { CrossTabSync } from '../cross-tab-sync.js';
import type { TokenStorage } from '../storage/token-storage.js';
import { broadcastStorage } from './broadcast-storage.js';
import type { WebLocks } from './web-locks.js';
import { webLocksLock } from './web-locks-lock.js';
import { writeMarkers } from './write-markers.js';

/** Options of `crossTab()`. Durations are milliseconds. */
export interface CrossTabOptions {
  /**
   * Names the BroadcastChannel and prefixes the Web Locks (`${name}/tessera:${key}`). Tabs sync
   * when they use the same name; give each token set of one origin (each `TokenManager`) its own.
   * @default 'tessera'
   */
  name?: string;
  /**
   * Longest wait for another tab's refresh, in ms. After it the tab stops waiting and refreshes on
   * its own, so a lock that is never granted cannot hang the app. Keep it well above the time a
   * refresh normally takes: a slower one (a hung endpoint, retries) lets waiting tabs refresh too.
   * @default 10_000
   */
  lockTimeout?: number;
  /**
   * The Web Locks API. Without it (old browsers, insecure `http:` origins) each tab refreshes on its own.
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

const defaults = { name: 'tessera', lockTimeout: 10_000 } as const;

/** Longest wait for a write another tab announced to reach this one, in ms (docs/decisions/0601). */
const CATCH_UP_TIMEOUT = 1_000;

/**
 * Coordinates the `TokenManager`s of one origin across browser tabs: one refresh at a time through
 * a Web Lock (the others then find the new set in storage and send no token request), and every
 * new token set and sign-out posted on a BroadcastChannel. Falls back to single-tab behaviour
 * where either API is missing; a lock that is never granted times out after `lockTimeout` ms.
 *
 * @example
 * const tokens = new TokenManager({
 *   fetchTokens: refreshTokenGrant({ tokenUrl, clientId: 'web' }),
 *   storage: webStorage(localStorage),
 *   crossTab: crossTab(),
 * });
 */
export function crossTab(options: CrossTabOptions = {}): CrossTabSync {
  const name = options.name ?? defaults.name;
  const lockTimeout = options.lockTimeout ?? defaults.lockTimeout;
  const globals = globalThis as {
    navigator?: { locks?: WebLocks };
    BroadcastChannel?: typeof BroadcastChannel;
  };
  const locks = options.locks ?? globals.navigator?.locks;
  const Channel = options.BroadcastChannel ?? globals.BroadcastChannel;
  const catchUpTimeout = Math.min(CATCH_UP_TIMEOUT, lockTimeout);
  return {
    lock: webLocksLock({ prefix: name, timeout: lockTimeout, locks }),
    wrapStorage: (storage: TokenStorage): TokenStorage =>
      broadcastStorage(storage, {
        channel: name,
        BroadcastChannel: Channel,
        markers: writeMarkers({ locks, prefix: `${name}/written/`, timeout: catchUpTimeout }),
        catchUpTimeout,
      }),
  };
}
