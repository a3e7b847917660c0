import type { ReactNode } from 'react';
import { useEffect, useRef } from './internal/react.js';
import { useSessionStore } from './tessera-context.js';
import { useSession } from './use-session.js';

/** Props of `<RequireSession>`. */
export interface RequireSessionProps {
  /**
   * Rendered once the session is signed in.
   * @default undefined (renders nothing)
   */
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
 * Renders `children` only when signed in. When the first session it shows is signed out, it starts
 * sign-in with the provider's `signIn`, once per mount (StrictMode included). It never starts one by
 * itself after the session `ended`, after a failed sign-in (`error`), or after a sign-out while it is
 * mounted (`signed-in` then `signed-out`: the sign-out's own navigation goes on): that would loop on
 * an authorization server that keeps refusing, lose the user's work, or sign the user straight back
 * in; it renders `fallback`, where the app can offer a button. Inside `<Activity>`, shown again after the
 * session changed while it was hidden, it decides again as a new mount does (decision 1006, update).
 */
export function RequireSession({ children, fallback, returnTo }: RequireSessionProps): ReactNode {
  const store = useSessionStore();
  const { status, error } = useSession();
  // The provider's store, once this mount showed a status of it other than `loading`: a store gets a
  // sign-in only when the first status it shows here is `signed-out` (without `error`). A `signed-out`
  // after `signed-in` or `ended` is a sign-out on this page (`clear()`, `signIn.signOut()`): a sign-in
  // then would race its navigation to the logout page and sign the user back in (decision 1006).
  const shown = useRef<unknown>(undefined);
  // The status its effect last ran with, and whether its effects were removed since (`<Activity
  // mode="hidden">`, StrictMode's second run): shown again after the session changed while hidden, it
  // counts as a new mount (the user comes back to the page); StrictMode's second run changes nothing.
  const seen = useRef<string>(undefined);
  const away = useRef(false);
  useEffect(
    () => () => {
      away.current = true;
    },
    [],
  );
  const signedOut = status === 'signed-out' && !error;
  useEffect(() => {
    if (away.current && seen.current !== status) shown.current = undefined;
    away.current = false;
    seen.current = status;
    if (status !== 'loading' && shown.current !== store) {
      shown.current = store;
      if (signedOut) store.startSignIn(returnTo ?? location.href.slice(location.origin.length));
    }
  }, [status, signedOut, store, returnTo]);
  return status === 'signed-in' ? children : fallback;
}
