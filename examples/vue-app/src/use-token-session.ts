import type { TokenManager } from '@tessera/core';
import {
  initialTokenSession,
  nextTokenSession,
  type TokenSession,
} from '@tessera/example-browser-app-shared';
import { onScopeDispose, type ShallowRef, shallowRef } from 'vue';

/**
 * The live `TokenSession` of `tokens` as a read-only ref, replaced on every token event (sign-in,
 * refresh, sign-out, session end). Subscribes with `tokens.subscribe` and stops when the calling
 * component (or effect scope) is disposed.
 *
 * `tokens` may come from `reactive()`, `ref()` or Pinia state: a `TokenManager` marks itself raw
 * (as `markRaw` does), so Vue never wraps it in a proxy that could not reach its private fields.
 */
export function useTokenSession(tokens: TokenManager): Readonly<ShallowRef<TokenSession>> {
  const session = shallowRef(initialTokenSession(tokens));
  const stop = tokens.subscribe((event) => {
    session.value = nextTokenSession(session.value, event, tokens.peekTokens());
  });
  onScopeDispose(stop);
  return session;
}
