import type { TesseraError } from './errors/tessera-error.js';
import type { TokenSet } from './token-set.js';

/** Why a token request was made. */
export type RefreshReason = 'initial' | 'expired' | 'invalidated' | 'forced' | 'background';

/** Everything a `TokenManager` tells its subscribers. Discriminated by `type`. */
export type TokenEvent =
  /**
   * The first read of storage finished; `tokens` is the current set (`undefined`: none). Fires at
   * most once, on the first `getTokens`, `getAccessToken` or `ready()` call. A manager that got
   * `setTokens` before any of them never reads storage and never fires it.
   */
  | { type: 'loaded'; tokens: TokenSet | undefined }
  /** A token request succeeded and the new set is stored. */
  | { type: 'refreshed'; tokens: TokenSet; reason: RefreshReason }
  /** `setTokens` stored a set (e.g. after sign-in). */
  | { type: 'tokens_set'; tokens: TokenSet }
  /** Another tab or replica stored a newer set, adopted without a token request. */
  | { type: 'synced'; tokens: TokenSet }
  /** A token request attempt failed and will be retried after `delay` ms. */
  | { type: 'retrying'; error: unknown; attempt: number; delay: number }
  /** A token request failed for good; every waiting caller rejects with `error`. */
  | { type: 'refresh_failed'; error: unknown; reason: RefreshReason }
  /** `invalidate()` marked the current access token stale. */
  | { type: 'invalidated' }
  /**
   * `invalidate()` left the current token as it is: it was obtained by a refresh that an
   * invalidation caused, and was rejected again within `rejectionCooldown` (an API that rejects
   * every new token). Until `until` (epoch ms), 401s cause no refresh.
   */
  | { type: 'invalidation_ignored'; reason: 'cooldown'; until: number }
  /** The tokens were removed: by `clear()`, by session end, or by another tab signing out. */
  | { type: 'cleared'; reason: 'clear' | 'session_expired' | 'external' }
  /** The refresh token was rejected (`invalid_grant`): the user must sign in again. */
  | { type: 'session_expired'; error: TesseraError }
  /**
   * The storage threw or held unreadable data; the manager carried on as if it were empty. `error` is what
   * storage threw, unless it quotes a token (in a message, a `code`, an own property, a cause) or is not an
   * `Error` (a string, an object): then a plain `Error` copy of its chain (names, redacted messages and string
   * `code`s, no other property). Compare `error.name` or `error.code`, not `instanceof`.
   */
  | { type: 'storage_error'; operation: 'get' | 'set' | 'remove'; error: unknown };

/** Receives every `TokenEvent`. Must not throw; a throwing listener is isolated from the others. */
export type TokenEventListener = (event: TokenEvent) => void;
