import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import type { CrossTabSync } from './cross-tab-sync.js';
import type { RefreshReason } from './events.js';
import type { RefreshLock } from './refresh-lock.js';
import type { RetryOptions } from './retry-options.js';
import type { TokenStorage } from './storage/token-storage.js';
import type { TokenResponse, TokenSet } from './token-set.js';

/** What `fetchTokens` is given for each attempt. */
export interface FetchTokensContext {
  /** The refresh token of the current set, if any. */
  refreshToken: string | undefined;
  /** Aborts when this attempt times out or the manager is disposed. Pass it to your HTTP client. */
  signal: AbortSignal;
  /** Why the manager needs a token. */
  reason: RefreshReason;
  /** 1 for the first attempt, 2 for the first retry… */
  attempt: number;
}

/** Obtains a token set: a refresh-token exchange, a client-credentials request, or anything else. */
export type FetchTokens = (context: FetchTokensContext) => Promise<TokenResponse | TokenSet>;

/** Options of `new TokenManager(options)`. Durations are milliseconds. */
export interface TokenManagerOptions {
  /**
   * Obtains a new token set. Called once per refresh however many callers wait for it.
   * Use `refreshTokenGrant(...)` or `clientCredentialsGrant(...)` for standard OAuth2 servers.
   */
  fetchTokens: FetchTokens;
  /**
   * Where the token set is kept.
   * @default memoryStorage()
   */
  storage?: TokenStorage;
  /**
   * How long before expiry (ms) a token already counts as expired and is refreshed, to absorb clock
   * skew and the time a request takes to reach the resource server. Never more than half of the
   * token's lifetime, so short-lived tokens are not refreshed on every call.
   * @default 30_000
   */
  refreshMargin?: number;
  /**
   * Retries of transient failures (network, timeout, 408, 429, 5xx) with exponential backoff and
   * jitter, honouring `Retry-After`. `false` disables retries.
   * @default { retries: 3, factor: 2, minTimeout: 200, maxTimeout: 10_000, randomize: true, maxRetryAfter: 60_000 }
   */
  retry?: RetryOptions | false;
  /**
   * Timeout of one token request attempt, in ms.
   * @default 10_000
   */
  timeout?: number;
  /**
   * The current time as epoch ms. Inject one in tests.
   * @default Date.now
   */
  clock?: Clock;
  /**
   * Refresh in the background shortly before expiry (with an unref'd timer) instead of on the next
   * call. Off by default: tokens are refreshed on read, which also works in throttled background tabs.
   * @default false
   */
  refreshInBackground?: boolean;
  /**
   * Serialises refreshes across processes (e.g. `redisLock()` from `@tessera/redis`). After taking
   * the lock, the manager re-reads storage and skips the token request when another holder
   * already refreshed.
   * @default undefined (single flight within this manager only)
   */
  lock?: RefreshLock;
  /**
   * One refresh across browser tabs, and token sets and sign-outs shared between them: pass
   * `crossTab()`. Uses Web Locks and BroadcastChannel; falls back to single-tab behaviour where
   * they are missing. Supplies `lock` unless you give one.
   * @default undefined (this tab only)
   */
  crossTab?: CrossTabSync;
  /**
   * Names this token set for locks and logs, e.g. `orders-api`.
   * @default 'tessera'
   */
  key?: string;
}

/** The defaults the docs list; `TokenManager` reads them from here. */
export const tokenManagerDefaults = {
  refreshMargin: 30_000,
  timeout: 10_000,
  clock: systemClock,
  refreshInBackground: false,
  key: 'tessera',
} as const;
