import type { TokenManager } from '@tessera/core';
import { useSyncExternalStore } from 'react';
import { initialTokenSession, nextTokenSession, type TokenSession } from './demo/token-session.js';

interface TokenSessionStore {
  subscribe(onChange: () => void): () => void;
  getSnapshot(): TokenSession;
}

/** One store per manager, shared by every component that reads it. */
const stores = new WeakMap<TokenManager, TokenSessionStore>();

/**
 * The live `TokenSession` of `tokens`: re-renders on every token event (sign-in, refresh, sign-out,
 * session end). Built on `tokens.subscribe` and `useSyncExternalStore`, so it is safe under
 * concurrent rendering and StrictMode's double mount.
 *
 * Events are counted while at least one mounted component uses the hook: call it high in the tree.
 */
export function useTokenSession(tokens: TokenManager): TokenSession {
  let store = stores.get(tokens);
  if (!store) {
    store = createTokenSessionStore(tokens);
    stores.set(tokens, store);
  }
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}

/** An immutable snapshot, replaced on every event; subscribed to the manager while anyone listens. */
function createTokenSessionStore(tokens: TokenManager): TokenSessionStore {
  let snapshot = initialTokenSession(tokens);
  const listeners = new Set<() => void>();
  let unsubscribe: (() => void) | undefined;
  return {
    subscribe(onChange) {
      listeners.add(onChange);
      if (!unsubscribe) {
        unsubscribe = tokens.subscribe((event) => {
          snapshot = nextTokenSession(snapshot, event, tokens.peekTokens());
          for (const listener of listeners) listener();
        });
        // Catch up with a change made while nobody listened (React re-reads the snapshot now).
        const current = tokens.peekTokens();
        if (current !== snapshot.tokens) snapshot = { ...snapshot, tokens: current };
      }
      return () => {
        listeners.delete(onChange);
        if (listeners.size > 0) return;
        unsubscribe?.();
        unsubscribe = undefined;
      };
    },
    getSnapshot: () => snapshot,
  };
}
