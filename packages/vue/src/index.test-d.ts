import type { TesseraError, TokenManager } from '@tessera/core';
import { describe, expectTypeOf, it } from 'vitest';
import type { ComputedRef, Plugin } from 'vue';
import type { NavigationGuard, NavigationGuardWithThis } from 'vue-router';
import {
  createSessionGuard,
  createTessera,
  type IdTokenClaims,
  type Session,
  type SessionStatus,
  type SessionTokens,
  type SignInLike,
  type Tessera,
  useSession,
  useTessera,
} from './index.js';

describe('types of @tessera/vue', () => {
  it('useSession() returns read-only refs of each field', () => {
    const { status, tokens, claims, expiresAt, error } = useSession();
    expectTypeOf(status).toEqualTypeOf<ComputedRef<SessionStatus>>();
    expectTypeOf(status.value).toEqualTypeOf<'loading' | 'signed-in' | 'signed-out' | 'ended'>();
    expectTypeOf(tokens.value).toEqualTypeOf<SessionTokens | undefined>();
    expectTypeOf(claims.value).toEqualTypeOf<IdTokenClaims | undefined>();
    expectTypeOf(expiresAt.value).toEqualTypeOf<number | undefined>();
    expectTypeOf(error.value).toEqualTypeOf<unknown>();
    // @ts-expect-error the refs are read-only
    status.value = 'signed-in';
  });

  it('the plugin is a Vue plugin with a typed session snapshot', () => {
    const tessera = createTessera({ tokens: {} as TokenManager, onReturn: (to: string) => void to });
    expectTypeOf(tessera).toEqualTypeOf<Tessera>();
    expectTypeOf(tessera).toExtend<Plugin>();
    expectTypeOf(tessera.tokens).toEqualTypeOf<TokenManager>();
    expectTypeOf(tessera.session.value).toEqualTypeOf<Session>();
    expectTypeOf(tessera.ready()).toEqualTypeOf<Promise<void>>();
    expectTypeOf(useTessera()).toEqualTypeOf<Tessera>();
    const session = tessera.session.value;
    if (session.status === 'ended') expectTypeOf(session.error).toEqualTypeOf<TesseraError | undefined>();
    // @ts-expect-error tokens is required
    createTessera({});
  });

  it('the guard is a vue-router guard, usable in beforeEach and beforeEnter', () => {
    const guard = createSessionGuard({} as Tessera);
    expectTypeOf(guard).toExtend<NavigationGuard>();
    expectTypeOf(guard).toExtend<NavigationGuardWithThis<undefined>>();
  });

  it('a sign-in flow with more than the bindings use is accepted', () => {
    const signIn = {
      start: async (options?: { returnTo?: string; prompt?: 'login' }) => options,
      signOut: async () => {},
    };
    expectTypeOf(signIn).toExtend<SignInLike>();
    createTessera({ tokens: {} as TokenManager, signIn });
  });
});
