import type { BackgroundRefresh } from './background-refresh.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import type { CrossTabSync } from './cross-tab-sync.js';
import type { RefreshReason } from './events.js';
import type { RefreshLock } from './refresh-lock.js';
import type { SenderConstraint } from './resource-server/sender-constraint.js';
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
  /**
   * The manager's `senderConstraint` (DPoP), if any. The built-in grants send through
   * `senderConstraint.wrapFetch(theirFetch)`; a hand-written `fetchTokens` must do the same.
   */
  senderConstraint?: SenderConstraint | undefined;
}

/** Obtains a token set: a refresh-token exchange, a client-credentials request, or anything else. */
export type FetchTokens = (context: FetchTokensContext) => Promise<TokenResponse | TokenSet>;

/**
 * Options of `new TokenManager(options)`. Durations are milliseconds. Every option is checked at
 * construction: a wrong type, a negative or NaN duration or (in plain JS) an unknown key throws a
 * `TypeError` naming the option.
 */
export interface TokenManagerOptions {
  /**
   * Obtains a new token set. Called once per refresh however many callers wait for it.
   * Use `refreshTokenGrant(...)` or `clientCredentialsGrant(...)` for standard OAuth2 servers.
   */
  fetchTokens: FetchTokens;
  /**
   * Where the token set is kept. Every read and write goes through one queue per manager, so a
   * write never lands after a later `clear()` or `setTokens()`.
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
   * Retry a token request that carried a refresh token and timed out. The server may have rotated
   * the refresh token before the answer was lost; a retry then reuses the old one, which a server
   * with strict reuse detection punishes by ending the session. Turn it on when your server has a
   * reuse grace period. Before such a retry the manager re-reads storage and adopts a newer set.
   * Requests without a refresh token (client credentials) always retry timeouts.
   * @default false
   */
  retryTimeouts?: boolean;
  /**
   * Timeout of one token request attempt, in ms, > 0. `Infinity`: none (`0` is refused: it is not
   * axios's "none"). Above 2^31−1 ms (about 24.8
   * days) it is 2^31−1 ms. It also bounds each `storage` operation (`get`, `set`, `remove`): one
   * that takes longer counts as failed, as one that throws does (a `storage_error` event with a
   * `TimeoutError`; a read counts as empty), so a storage that never settles cannot hold callers.
   * @default 10_000
   */
  timeout?: number;
  /**
   * The current time as epoch ms. Inject one in tests. Called once at construction: one that returns
   * no finite number ≥ 0 (`NaN`, a `Date`, a string) is refused with a `TypeError`. Not
   * `performance.now()`: a JWT's `exp`, stored sets and other tabs count in epoch ms, so against a
   * clock on another scale a token with only `exp` looks valid for decades (served until a 401).
   * @default Date.now
   */
  clock?: Clock;
  /**
   * Refresh in the background shortly before expiry (with an unref'd timer) instead of on the next
   * call: pass `backgroundRefresh()`. Off by default: tokens are refreshed on read, which also works
   * in throttled background tabs, and an app that does not import `backgroundRefresh` does not ship it.
   * @default undefined (refresh on read)
   */
  refreshInBackground?: BackgroundRefresh;
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
  /**
   * The `token_type`s accepted, compared case-insensitively and spelled as given here (`bearer` →
   * `Bearer`). A response with another type is a `MalformedResponseError`. A DPoP client passes `['DPoP']`.
   * @default ['Bearer']
   */
  tokenTypes?: readonly string[];
  /**
   * How long (ms) after a refresh caused by `invalidate()` a new rejection of the token it brought
   * is ignored: `invalidate()` returns `false` and emits `invalidation_ignored`. Bounds the cost of
   * an API that rejects every new token (wrong audience, clock skew) to one refresh per cooldown.
   * `0` turns it off.
   * @default 30_000
   */
  rejectionCooldown?: number;
  /**
   * Sender-constrained tokens (DPoP, RFC 9449): pass `createDPoP()` from `@tessera/dpop`. This one
   * option makes the grants (`refreshTokenGrant`, `clientCredentialsGrant`, `createSignIn`'s code
   * exchange, refresh and revocation) send every token request with a proof of the key, binds the
   * stored session to the key (a session bound to a key that is gone is dropped, never refreshed with
   * another), accepts only `DPoP` token sets (`tokenTypes` defaults to `['DPoP']`; a `Bearer` answer is a
   * `MalformedResponseError`, never a downgrade), and is picked up by `attachTokenManager` and
   * `withTokens`/`kyHooks`, which then send `Authorization: DPoP <token>` with a fresh proof per request.
   * @default undefined (bearer tokens)
   */
  senderConstraint?: SenderConstraint;
}

/** The defaults the docs list; `TokenManager` reads them from here. */
export const tokenManagerDefaults = {
  refreshMargin: 30_000,
  timeout: 10_000,
  clock: systemClock,
  retryTimeouts: false,
  key: 'tessera',
  tokenTypes: Object.freeze(['Bearer']) as readonly string[],
  rejectionCooldown: 30_000,
} as const;
