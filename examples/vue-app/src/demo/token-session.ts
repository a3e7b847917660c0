import type { TokenEvent, TokenManager, TokenSet } from '@tessera/core';

/** What the UI shows about a `TokenManager`: an immutable snapshot, replaced on every event. */
export interface TokenSession {
  /** The current token set (possibly expired), `undefined` when signed out. */
  tokens: TokenSet | undefined;
  /** `refreshed` events seen since the app started watching. */
  refreshCount: number;
  /** The latest event, e.g. `session_expired` after the server refused the refresh token. */
  lastEvent: TokenEvent | undefined;
}

/** The snapshot before any event. */
export function initialTokenSession(tokens: TokenManager): TokenSession {
  return { tokens: tokens.peekTokens(), refreshCount: 0, lastEvent: undefined };
}

/** The snapshot after `event`; `tokens` is the manager's set once the event happened. */
export function nextTokenSession(
  session: TokenSession,
  event: TokenEvent,
  tokens: TokenSet | undefined,
): TokenSession {
  return {
    tokens,
    refreshCount: session.refreshCount + (event.type === 'refreshed' ? 1 : 0),
    lastEvent: event,
  };
}
