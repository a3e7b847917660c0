import type { TesseraError } from '../errors/tessera-error.js';
import type { TokenSet } from '../token-set.js';

/**
 * The claims of the ID token, decoded for display ("Signed in as …"). Not verified here: the
 * sign-in flow checked the ID token when it received it. Never make an authorization decision on them.
 */
export interface SessionClaims {
  readonly [claim: string]: unknown;
  readonly sub?: string;
  readonly iss?: string;
  readonly aud?: string | readonly string[];
  readonly exp?: number;
  readonly iat?: number;
  readonly name?: string;
  readonly email?: string;
  readonly preferred_username?: string;
}

/**
 * The token set as the session shows it: a frozen copy of the manager's set without the refresh
 * token. The snapshot reaches devtools and app state that gets serialized (SSR state transfer,
 * persisted stores); only the manager needs the refresh token.
 */
export type SessionTokens = Readonly<Omit<TokenSet, 'refreshToken'>> & { readonly refreshToken?: undefined };

/** The session is being restored from storage, or a sign-in callback is being completed. */
export interface LoadingSession {
  readonly status: 'loading';
  readonly tokens?: undefined;
  readonly claims?: undefined;
  readonly expiresAt?: undefined;
  readonly error?: undefined;
}

/** There is a token set. A background refresh replaces `tokens` but never changes `status`. */
export interface SignedInSession {
  readonly status: 'signed-in';
  /** The manager's set without the refresh token (see `SessionTokens`). */
  readonly tokens: SessionTokens;
  /** Decoded from `tokens.idToken`; `undefined` without an ID token or when it is not a JWT. */
  readonly claims?: SessionClaims | undefined;
  /** When the access token expires, epoch milliseconds (`undefined`: unknown). */
  readonly expiresAt?: number | undefined;
  readonly error?: undefined;
}

/**
 * No session. `error` is set when a sign-in failed (an error on the callback such as
 * `access_denied`, or `signIn.start()` rejecting): guards then never start a sign-in by themselves.
 * Always truthy after a failure: a falsy reason (`undefined`, `null`, `0`, `''`, `false`, `NaN`) is
 * a `TesseraError` with code `SIGN_IN_FAILED` and the reason as `cause`.
 */
export interface SignedOutSession {
  readonly status: 'signed-out';
  readonly tokens?: undefined;
  readonly claims?: undefined;
  readonly expiresAt?: undefined;
  readonly error?: unknown;
}

/**
 * The session ended under the user, who must sign in again: the server refused the refresh token
 * (`invalid_grant`; `error` is the refusal, an `OAuthError`), or another tab removed the set (its
 * sign-out or its own end, which shared storage cannot tell apart; `error` is `undefined`).
 */
export interface EndedSession {
  readonly status: 'ended';
  readonly tokens?: undefined;
  readonly claims?: undefined;
  readonly expiresAt?: undefined;
  readonly error?: TesseraError | undefined;
}

/**
 * An immutable snapshot of the session, replaced only when `status`, `tokens` or `error` change.
 * Narrow on `status`; every field can also be read without narrowing.
 */
export type Session = LoadingSession | SignedInSession | SignedOutSession | EndedSession;

/** Every value `Session['status']` can take. */
export type SessionStatus = Session['status'];
