/** What `handleCallback()` reports about the current URL. */
export interface SessionCallbackResult {
  /** `handled`: tokens are set; `not-a-callback`: nothing to do; `error`: see `error`; `navigating`: the page is leaving. */
  status: 'handled' | 'not-a-callback' | 'error' | 'navigating';
  error?: unknown;
  /** Where the app was when sign-in started; only with `handled` (the store calls `onReturn` when it is set). */
  returnTo?: string;
  /** With `navigating`: the `start()` under way; when it rejects, the page stays and the store settles on its reason. */
  navigation?: Promise<unknown>;
}

/**
 * The part of a sign-in flow (`createSignIn()`: authorization code + PKCE) a session store uses.
 * Any object of this shape works, e.g. a test double.
 */
export interface SignInLike {
  /** Starts sign-in (navigates away). A second call while navigating returns the first promise. */
  start(options?: { returnTo?: string }): Promise<unknown>;
  /** Completes sign-in if the current URL is this app's callback. Idempotent. */
  handleCallback?(url?: string): Promise<SessionCallbackResult>;
}
