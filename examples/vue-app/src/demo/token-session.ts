import type { TokenEvent, TokenManager, TokenSet } from '@tessera/core';

/** What the UI shows about a `TokenManager`: an immutable snapshot, replaced on every event. */
export interface TokenSession {
  /** The current token set (possibly expired), `undefined` when signed out. */
  tokens: TokenSet | undefined;
  /** `refreshed` events since this session began (sign-in); 0 again after sign-out and at the next sign-in. */
  refreshCount: number;
  /** The latest event, e.g. `session_expired` after the server refused the refresh token. */
  lastEvent: TokenEvent | undefined;
}

/** The snapshot before any event. */
export function initialTokenSession(tokens: TokenManager): TokenSession {
  return { tokens: tokens.peekTokens(), refreshCount: 0, lastEvent: undefined };
}

/**
 * The snapshot after `event`; `tokens` is the manager's set once the event happened. A new sign-in
 * (`tokens_set`) and the end of a session (`cleared`) start the refresh count again from 0.
 */
export function nextTokenSession(
  session: TokenSession,
  event: TokenEvent,
  tokens: TokenSet | undefined,
): TokenSession {
  return { tokens, refreshCount: nextRefreshCount(session.refreshCount, event), lastEvent: event };
}

function nextRefreshCount(count: number, event: TokenEvent): number {
  if (event.type === 'refreshed') return count + 1;
  if (event.type === 'tokens_set' || event.type === 'cleared') return 0;
  return count;
}

/** The live `TokenSession` of a manager, for a view: `useSyncExternalStore(store.subscribe, store.getSnapshot)`. */
export interface TokenSessionStore {
  subscribe(onChange: () => void): () => void;
  getSnapshot(): TokenSession;
}

/**
 * Follows `tokens` from now on (for the app's lifetime: the demo counts every refresh, even while no
 * view is mounted) and keeps one immutable snapshot, replaced on every event.
 */
export function createTokenSessionStore(tokens: TokenManager): TokenSessionStore {
  let snapshot = initialTokenSession(tokens);
  const listeners = new Set<() => void>();
  tokens.subscribe((event) => {
    snapshot = nextTokenSession(snapshot, event, tokens.peekTokens());
    for (const listener of listeners) listener();
  });
  return {
    subscribe(onChange) {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
    getSnapshot: () => snapshot,
  };
}
