import type { SessionClaims, SessionStatus, SessionTokens } from '@tessera/core';
import type { ComputedRef } from 'vue';
import { computed } from './internal/vue.js';
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
 */
export function useSession(): SessionRefs {
  const { session } = useTessera();
  return {
    status: computed(() => session.value.status),
    tokens: computed(() => session.value.tokens),
    claims: computed(() => session.value.claims),
    expiresAt: computed(() => session.value.expiresAt),
    error: computed(() => session.value.error),
  };
}
