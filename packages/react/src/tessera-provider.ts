import { createSessionStore, type GetTokenOptions, type SignInLike, type TokenManager } from '@tessera/core';
import type { ReactElement, ReactNode } from 'react';
import { createElement, useEffect, useMemo } from './internal/react.js';
import { TesseraContext } from './tessera-context.js';

/** Props of `<TesseraProvider>`. */
export interface TesseraProviderProps {
  /**
   * The app's `TokenManager`, created once outside render (module scope or a ref). The provider
   * subscribes to it while mounted and never disposes it.
   */
  tokens: TokenManager;
  /**
   * The sign-in flow. With `handleCallback`, the provider completes a pending callback once, and
   * `status` stays `loading` until it has settled; `<RequireSession>` uses `start`. Create it once,
   * outside render, like `tokens`: a new object re-creates the provider's store.
   * @default undefined (no sign-in: `<RequireSession>` renders its fallback when signed out)
   */
  signIn?: SignInLike | undefined;
  /**
   * Called once after a callback signed the user in (once per callback: when two providers share one
   * `signIn`, the first with an `onReturn` to complete it calls its own), with the path sign-in started from, e.g.
   * `(to) => navigate(to, { replace: true })`. Read when the provider is created (first render, or
   * when `tokens` or `signIn` change), so an inline arrow is fine.
   * If it throws or rejects, the session stays signed in and the error is reported as an uncaught
   * error (`reportError`; `console.error` where there is none), never as a rejection of `ready()`.
   * Not called when the callback completes after this provider got another `tokens`/`signIn` or unmounted.
   * @default undefined (stay on the callback URL, which the sign-in flow already cleaned)
   */
  onReturn?: ((returnTo: string) => void) | undefined;
  /**
   * The app, rendered whatever the session (on the server too).
   * @default undefined (renders nothing)
   */
  children?: ReactNode;
}

/**
 * Makes the session of `tokens` available to `useSession()`, `useTokenManager()`,
 * `useGetAccessToken()` and `<RequireSession>`. Renders `loading` on the server; during render it
 * only reads `location.href` where there is one (the callback URL, before a child's effect can
 * change it). Once mounted, listens to `tokens` until it unmounts.
 *
 * @example
 * <TesseraProvider tokens={tokens} signIn={signIn}><App /></TesseraProvider>
 */
export function TesseraProvider({ tokens, signIn, onReturn, children }: TesseraProviderProps): ReactElement {
  // `onReturn` is read once, like an initial value: an inline arrow must not re-create the store.
  // The callback URL is read here, in the first render: this provider's effects run after those of
  // its children, where a router's `<Navigate>` may already have replaced the URL (decision 1005).
  const store = useMemo(
    () => ({
      ...createSessionStore(tokens, signIn, onReturn),
      getAccessToken: (options?: GetTokenOptions) => tokens.getAccessToken(options),
    }),
    [tokens, signIn],
  );
  // The store listens to the manager while the provider is mounted, not only while a `useSession()`
  // is: a session that ends (or a sign-out) while no component shows it is still seen (decision 1000).
  useEffect(() => store.subscribe(() => {}), [store]);
  return createElement(TesseraContext.Provider, { value: store }, children);
}
