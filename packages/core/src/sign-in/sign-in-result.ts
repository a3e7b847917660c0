import type { TesseraError } from '../errors/tessera-error.js';
import type { TokenSet } from '../token-set.js';
import type { IdTokenClaims } from './id-token.js';

/** What `handleCallback` did. Never rejects: failures are `{ status: 'error' }`. */
export type CallbackResult =
  /**
   * The code was exchanged; `tokens` were given to the `tokens` manager, if any. `returnTo` is a path
   * on the app's origin (see `StartOptions.returnTo`).
   */
  | { status: 'handled'; tokens: TokenSet; claims: IdTokenClaims | undefined; returnTo: string }
  /**
   * Not a callback, but a `start()` of this tab is navigating to the provider: start no second sign-in.
   * `navigation` is that `start()`'s promise: when it rejects, the page stays.
   */
  | { status: 'navigating'; navigation: Promise<void> }
  /**
   * Not a callback of this client (or one started by an instance for another issuer, `clientId` or
   * `redirectUri`, left for that instance): the URL and the session are untouched. `cleaned` is true when it was
   * a used or stale callback, or one without `state`, on the redirect URI while a session exists: removed
   * from the address bar.
   */
  | { status: 'not-a-callback'; cleaned: boolean }
  /**
   * The callback failed: `OAuthError` (e.g. `access_denied`), `StaleCallbackError`,
   * `PkceVerifierMissingError`, `IssuerMismatchError`, `IdTokenError`, `LoginRequiredError` (a
   * `signOut()` over the same `tokens` was called, or the session ended in another tab, while the code was
   * being exchanged), or a token request error.
   * When the exchange spent the code but its answer was refused (`IdTokenError`,
   * `MalformedResponseError`, `LoginRequiredError`), the tokens it brought were revoked first, as far
   * as the server allowed.
   */
  | { status: 'error'; error: TesseraError };

/** What `signOut` did. It always ends signed out locally. */
export interface SignOutResult {
  /**
   * Whether the server confirmed the revocation of every refresh token of the session: the one held,
   * and the one a refresh in flight brought.
   */
  revoked: boolean;
  /**
   * What went wrong on the way, without stopping the sign-out: the revocation failed (`OAuthError`
   * such as `unsupported_token_type`, `NetworkError`…), or discovery failed.
   */
  warnings: TesseraError[];
  /** The RP-initiated logout URL, when one was built. */
  logoutUrl: URL | undefined;
}
