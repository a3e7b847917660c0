import type { GetTokenOptions, TesseraError, TokenManager, TokenSet } from '@tessera/core';
import { createElement, type ReactNode } from 'react';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type IdTokenClaims,
  RequireSession,
  type Session,
  type SessionStatus,
  type SessionTokens,
  type SignInLike,
  TesseraProvider,
  useGetAccessToken,
  useSession,
  useTokenManager,
} from './index.js';

describe('types of @tessera/react', () => {
  it('useSession() reads every field without narrowing and narrows on status', () => {
    const session = useSession();
    expectTypeOf(session).toEqualTypeOf<Session>();
    expectTypeOf(session.status).toEqualTypeOf<SessionStatus>();
    expectTypeOf<SessionStatus>().toEqualTypeOf<'loading' | 'signed-in' | 'signed-out' | 'ended'>();
    expectTypeOf(session.tokens).toEqualTypeOf<SessionTokens | undefined>();
    expectTypeOf(session.claims).toEqualTypeOf<IdTokenClaims | undefined>();
    expectTypeOf(session.expiresAt).toEqualTypeOf<number | undefined>();
    if (session.status === 'signed-in') {
      expectTypeOf(session.tokens).toEqualTypeOf<SessionTokens>();
      // The refresh token stays in the manager: the session has none to show.
      expectTypeOf(session.tokens.refreshToken).toEqualTypeOf<undefined>();
      // Still usable where a TokenSet is expected (e.g. a helper that reads the access token).
      expectTypeOf(session.tokens).toExtend<TokenSet>();
      expectTypeOf(session.error).toEqualTypeOf<undefined>();
    }
    if (session.status === 'ended') expectTypeOf(session.error).toEqualTypeOf<TesseraError | undefined>();
    if (session.status === 'loading') expectTypeOf(session.tokens).toEqualTypeOf<undefined>();
    // @ts-expect-error snapshots are read-only
    session.status = 'signed-out';
  });

  it('the manager and the token getter', () => {
    expectTypeOf(useTokenManager()).toEqualTypeOf<TokenManager>();
    expectTypeOf(useGetAccessToken()).toEqualTypeOf<(options?: GetTokenOptions) => Promise<string>>();
  });

  it('components take the documented props', () => {
    const tokens = {} as TokenManager;
    const signIn: SignInLike = { start: async () => undefined };
    createElement(TesseraProvider, { tokens, signIn, onReturn: (to: string) => void to });
    // @ts-expect-error tokens is required
    createElement(TesseraProvider, { signIn });
    expectTypeOf(RequireSession).returns.toEqualTypeOf<ReactNode>();
    createElement(RequireSession, { fallback: 'wait', returnTo: '/account' });
  });

  it('a sign-in flow with more options and results than the bindings use is accepted', () => {
    const richer = {
      start: async (options?: { returnTo?: string; prompt?: 'login' }) => options,
      handleCallback: async (url?: string) => ({ status: 'handled' as const, tokens: url, returnTo: '/' }),
      signOut: async () => {},
    };
    expectTypeOf(richer).toExtend<SignInLike>();
  });
});
