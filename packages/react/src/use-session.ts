import { loadingSession, type Session } from '@tessera/core';
import { useSyncExternalStore } from './internal/react.js';
import { useSessionStore } from './tessera-context.js';

/**
 * The session of the provider's `TokenManager`: `loading`, `signed-in` (with `tokens`, `claims`,
 * `expiresAt`), `signed-out` (with `error` when a sign-in failed) or `ended` (with the `invalid_grant`
 * `error`). Re-renders only when the snapshot changes; `loading` on the server and during hydration.
 */
export function useSession(): Session {
  const store = useSessionStore();
  return useSyncExternalStore(store.subscribe, store.getSnapshot, (): Session => loadingSession);
}
