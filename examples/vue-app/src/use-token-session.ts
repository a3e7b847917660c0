import type { TokenManager } from '@tessera/core';
import { onScopeDispose, type ShallowRef, shallowRef } from 'vue';
import { initialTokenSession, nextTokenSession, type TokenSession } from './demo/token-session.js';

/**
 * The live `TokenSession` of `tokens` as a read-only ref, replaced on every token event (sign-in,
 * refresh, sign-out, session end). Subscribes with `tokens.subscribe` and stops when the calling
 * component (or effect scope) is disposed.
 *
 * `tokens` must not be wrapped in `reactive()` or `ref()`: `TokenManager` keeps its state in private
 * fields, which a Vue proxy cannot reach. Pass it as is, or `markRaw` it.
 */
export function useTokenSession(tokens: TokenManager): Readonly<ShallowRef<TokenSession>> {
  const session = shallowRef(initialTokenSession(tokens));
  const stop = tokens.subscribe((event) => {
    session.value = nextTokenSession(session.value, event, tokens.peekTokens());
  });
  onScopeDispose(stop);
  return session;
}
