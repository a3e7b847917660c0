import type { Clock } from '../clock.js';
import type { TokenManager } from '../token-manager.js';
import type { TransactionStorage } from './transaction-store.js';

/** Options of `createSignIn`. Durations are milliseconds. */
export interface SignInOptions {
  /** The issuer; its metadata is discovered from it (e.g. `https://id.example.com`). */
  issuer: string;
  /** The public client's `client_id`. */
  clientId: string;
  /**
   * Registered redirect URI; the token request sends exactly this value (as the URL standard writes it:
   * `HTTPS://App.example` is sent as `https://app.example/`), never one read from `location`. A `URL` is
   * copied when the sign-in is created. A `TypeError` when it has a fragment (RFC 6749 §3.1.2) or its query
   * has a parameter of the authorization response (`code`, `state`, `iss`, `session_state`, `error`,
   * `error_description`, `error_uri`), which adds its own.
   */
  redirectUri: string | URL;
  /**
   * Space-separated scopes. With `openid`, a `nonce` is sent and the code exchange must return an ID token,
   * which is checked.
   * @default 'openid'
   */
  scope?: string;
  /** Receives the tokens of a handled callback (`setTokens`) and is cleared by `signOut`. @default undefined */
  tokens?: TokenManager;
  /** Where the provider sends the browser after RP-initiated logout. @default undefined */
  postLogoutRedirectUri?: string;
  /**
   * Where one-time sign-in transactions (PKCE verifier, state, nonce) are kept between the redirect and
   * the callback. Resolved on first use, never at import. With `localStorage` every tab sees every
   * transaction, and two tabs completing one callback URL at once may both send its code (the second
   * gets `invalid_grant`, and the server may then revoke the first one's tokens): complete a callback
   * in one tab at a time (decision 1105).
   * @default sessionStorage
   */
  transactionStorage?: TransactionStorage;
  /**
   * How long a started sign-in may take until its callback, in ms.
   * @default 600_000 (10 minutes)
   */
  transactionTtl?: number;
  /**
   * Pending sign-ins kept at once (several tabs, Back and again); the oldest are dropped first.
   * @default 5
   */
  maxTransactions?: number;
  /**
   * How long a `start()` counts as navigating: further `start()` calls return its promise until then, in ms.
   * @default 10_000
   */
  navigationTimeout?: number;
  /**
   * Allowed clock skew when checking an ID token's `exp`, in ms.
   * @default 60_000
   */
  clockTolerance?: number;
  /**
   * Timeout of each discovery and code-exchange request, in ms; also of all the revocations of one
   * `signOut()` together, and of those after a code exchange refused once the code was spent.
   * @default 10_000
   */
  timeout?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /**
   * Sends the browser to a URL (authorization or logout).
   * @default (url) => location.assign(url)
   */
  navigate?: (url: string) => void;
  /** @default Date.now */
  clock?: Clock;
}

/** The defaults the docs list; `createSignIn` reads them from here. */
export const signInDefaults = {
  scope: 'openid',
  transactionTtl: 600_000,
  maxTransactions: 5,
  navigationTimeout: 10_000,
  clockTolerance: 60_000,
  timeout: 10_000,
} as const;

/** Options of one authorization request. */
export interface StartOptions {
  /**
   * Where the app goes after the callback: a path, or a URL on the redirect URI's origin, returned as
   * a path (`/orders?page=2#top`). A URL on another origin or scheme (`//evil.example`,
   * `https://evil.example`, `javascript:…`) is replaced by `/`, so a `returnTo` taken from a query
   * parameter cannot make sign-in an open redirect.
   * @default the current path, query and hash
   */
  returnTo?: string;
  /** Overrides the `scope` option for this request. @default options.scope */
  scope?: string;
  /** `prompt`, e.g. `login`, `consent`, `select_account`. @default undefined */
  prompt?: string;
  /** `login_hint`, e.g. the user's email. @default undefined */
  loginHint?: string;
  /** `audience` (Auth0 style API identifier). @default undefined */
  audience?: string;
  /** RFC 8707 `resource` indicator(s) of the API the access token is for. @default undefined */
  resource?: string | readonly string[];
  /**
   * Further parameters (`ui_locales`, `acr_values`…). They cannot override `state`, `nonce`,
   * `code_challenge` or any parameter above that is set (`scope` always is; `audience` and `resource`
   * given here are sent when the option of that name is not).
   * @default {}
   */
  params?: Record<string, string>;
}

/** Options of `signOut`. */
export interface SignOutOptions {
  /**
   * Revoke the refresh token (RFC 7009), and the one a refresh in flight brings, when the server has
   * a `revocation_endpoint`.
   * @default true
   */
  revoke?: boolean;
  /**
   * Build the RP-initiated logout URL (`end_session_endpoint` with `id_token_hint`, `client_id`,
   * `post_logout_redirect_uri`) when the server has one, and navigate to it.
   * @default true
   */
  endSession?: boolean;
  /**
   * Navigate to the logout URL; `false` returns it without navigating (the app navigates itself).
   * @default true
   */
  navigate?: boolean;
  /** @default options.postLogoutRedirectUri */
  postLogoutRedirectUri?: string;
}
