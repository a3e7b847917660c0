import type { SessionStore } from './session-store.js';
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
 */
export function createSessionGuard(tessera: Tessera): (to: { fullPath: string }) => Promise<boolean> {
  const store = tessera as unknown as SessionStore;
  return async (to) => {
    await store.ready();
    const { status, error } = store.getSnapshot();
    if (error && status !== 'ended') return false;
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
