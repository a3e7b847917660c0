import { loadingSession, type SessionClaims, type SessionStatus, type SessionTokens } from '@tessera/core';
import type { ComputedRef } from 'vue';
import { computed, getCurrentInstance, onMounted, shallowRef } from './internal/vue.js';
import { useTessera } from './use-tessera.js';

/** The session as read-only refs; each follows the app's one snapshot. */
export interface SessionRefs {
  readonly status: ComputedRef<SessionStatus>;
  readonly tokens: ComputedRef<SessionTokens | undefined>;
  readonly claims: ComputedRef<SessionClaims | undefined>;
  readonly expiresAt: ComputedRef<number | undefined>;
  readonly error: ComputedRef<unknown>;
}

/**
 * The app's session as read-only refs: `status` (`loading`, `signed-in`, `signed-out`, `ended`),
 * `tokens`, `claims`, `expiresAt` and `error`. Adds no subscription: the plugin holds the app's
 * only one. Safe to destructure, to return from a Pinia setup store and to put in `reactive()`.
 * A component hydrating server HTML reads `loading` until it is mounted, as the server rendered,
 * also when it hydrates after `app.mount()` (async `setup()` or component under `<Suspense>`).
 */
export function useSession(): SessionRefs {
  const { session } = useTessera();
  // A component set up while it hydrates has its vnode's element already (Vue's own hydration test):
  // one under `<Suspense>` renders after `mount()` made the session live, so it shows `loading` until
  // mounted, or it would mismatch the server's HTML (decision 1004, update).
  const hydrating = shallowRef(!!getCurrentInstance()?.vnode.el);
  if (hydrating.value) onMounted(() => (hydrating.value = false));
  const current = computed(() => (hydrating.value ? loadingSession : session.value));
  return {
    status: computed(() => current.value.status),
    tokens: computed(() => current.value.tokens),
    claims: computed(() => current.value.claims),
    expiresAt: computed(() => current.value.expiresAt),
    error: computed(() => current.value.error),
  };
}
