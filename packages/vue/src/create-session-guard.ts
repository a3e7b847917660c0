import type { SessionStore } from '@tessera/core';
import type { Tessera } from './tessera.js';

/**
 * A `vue-router` navigation guard for routes that need a session: `router.beforeEach(guard)` or
 * `beforeEnter: guard`. Takes the plugin explicitly, so it works outside components. For each
 * navigation it waits for `tessera.ready()`, then asks the manager for tokens valid now (refreshing
 * expired ones) and lets the navigation through; with no session it starts one sign-in
 * (`returnTo` = the target's full path) and returns `false`.
 *
 * It never starts a sign-in by itself after a failed one (a callback error such as
 * `access_denied`, or `start()` rejecting): it returns `false` and the app shows `session.error`.
 * When a refresh fails for a transient reason (network, 5xx) while the session still stands, the
 * navigation fails with that error (`router.onError`) instead of sending the user to sign in.
 *
 * On the server (no `window`) it lets every navigation through and touches nothing: no callback,
 * no token request, no sign-in. The route renders `loading`, as the session does there; the
 * browser runs the guard on its own first navigation, before it mounts and hydrates.
 */
export function createSessionGuard(tessera: Tessera): (to: { fullPath: string }) => Promise<boolean> {
  // The plugin carries the store's methods (`createTessera`).
  const store = tessera as unknown as SessionStore;
  return async (to) => {
    // No `location` (the store reads the callback URL from it too): a server render.
    if (typeof location === 'undefined') return true;
    await tessera.ready();
    const session = store.getSnapshot();
    // A failed sign-in: only `signed-out` after a failure carries an `error` (always truthy, decision 1001).
    if (session.status === 'signed-out' && session.error) return false;
    try {
      await tessera.tokens.getTokens();
      return true;
    } catch (failure) {
      if (tessera.tokens.peekTokens()) throw failure;
    }
    store.startSignIn(to.fullPath);
    return false;
  };
}
