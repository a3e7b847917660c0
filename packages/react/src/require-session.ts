import type { ReactNode } from 'react';
import { useEffect, useRef } from './internal/react.js';
import { useSessionStore } from './tessera-context.js';
import { useSession } from './use-session.js';

/** Props of `<RequireSession>`. */
export interface RequireSessionProps {
  children?: ReactNode;
  /**
   * Rendered instead of `children` while loading, while sign-in starts, after the session ended
   * and after a failed sign-in (read `useSession()` inside it to say which).
   * @default undefined (renders nothing)
   */
  fallback?: ReactNode;
  /**
   * Where sign-in returns to.
   * @default the current path, query and hash (`location`)
   */
  returnTo?: string | undefined;
}

/**
 * Renders `children` only when signed in. When signed out it starts sign-in with the provider's
 * `signIn` at most once per mount (StrictMode included). It never starts one by itself after the
 * session `ended` or after a failed sign-in (`error`): that would loop on an authorization server
 * that keeps refusing, or lose the user's work; it renders `fallback`, where the app can offer a button.
 */
export function RequireSession({ children, fallback, returnTo }: RequireSessionProps): ReactNode {
  const store = useSessionStore();
  const { status, error } = useSession();
  // `0`/`1` rather than `false`/`true`: fewer bytes (decision 1003).
  const started = useRef(0);
  const signedOut = status === 'signed-out' && !error;
  useEffect(() => {
    if (!signedOut || started.current) return;
    started.current = 1;
    store.startSignIn(returnTo ?? location.href.slice(location.origin.length));
  }, [signedOut, store, returnTo]);
  return status === 'signed-in' ? children : fallback;
}
