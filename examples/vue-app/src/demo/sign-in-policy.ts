import type { SignIn } from '@tessera/core';
import { callErrorCode } from './fire-parallel-calls.js';

/** Where the policy keeps its one mark, per tab (`sessionStorage`): never a token. */
const KEY = 'tessera-example:sign-in';

/** What the provider's `prompt=none` answers when it cannot sign the user in without a page. */
const NEEDS_A_PAGE = new Set([
  'login_required',
  'consent_required',
  'interaction_required',
  'account_selection_required',
]);

/** What the app does once the session has loaded. */
export type LoadDecision =
  /** A silent sign-in (`prompt=none`) is navigating to the provider: keep showing "loading". */
  | { action: 'silent-sign-in' }
  /** Show the sign-in screen, with a notice or an error. */
  | { action: 'sign-in-screen'; notice?: string; error?: unknown }
  /** Signed in: nothing to do. */
  | { action: 'none' };

/**
 * How the examples keep a session across reloads while tokens live in memory only: a page that
 * loads signed out asks the identity provider once, without a page (`prompt=none`), and its own
 * session cookie (HttpOnly, out of reach of scripts) signs the user in again. Never after the user
 * signed out, never twice in a row, and a `login_required` answer just shows the sign-in button.
 */
export interface SignInPolicy {
  /**
   * Call once per page load, when the session is no longer `loading`. `onFailed` gets the sign-in
   * screen to show instead, with the error, when a silent sign-in cannot even start (discovery
   * failed: the provider is unreachable or misconfigured), so the page never waits for nothing.
   */
  onLoaded(
    status: 'signed-in' | 'signed-out' | 'ended',
    error: unknown,
    onFailed?: (decision: LoadDecision) => void,
  ): LoadDecision;
  /** The user clicked "Sign in": an interactive sign-in at the provider's login page. */
  signIn(): Promise<void>;
  /** The user signed out: no silent sign-in until they sign in again. */
  signedOut(): void;
}

/** Creates the policy for `oidc`; `storage` defaults to `sessionStorage`, read lazily. */
export function createSignInPolicy(
  oidc: SignIn,
  storage: () => Storage = () => sessionStorage,
): SignInPolicy {
  const read = (): string | null => storage().getItem(KEY);
  const write = (mark: 'silent' | 'signed-out' | undefined): void =>
    mark ? storage().setItem(KEY, mark) : storage().removeItem(KEY);
  return {
    onLoaded(status, error, onFailed) {
      const mark = read();
      if (status === 'signed-in') {
        write(undefined);
        return { action: 'none' };
      }
      if (error !== undefined) {
        write(undefined);
        if (mark === 'silent' && NEEDS_A_PAGE.has(callErrorCode(error))) {
          return { action: 'sign-in-screen', notice: 'You are not signed in at the identity provider.' };
        }
        return { action: 'sign-in-screen', error };
      }
      if (mark === 'signed-out') return { action: 'sign-in-screen', notice: 'You signed out.' };
      if (mark === 'silent' || status === 'ended') {
        write(undefined);
        return { action: 'sign-in-screen' };
      }
      write('silent');
      oidc.start({ prompt: 'none', returnTo: returnPath() }).catch((failure: unknown) => {
        write(undefined);
        onFailed?.({ action: 'sign-in-screen', error: failure });
      });
      return { action: 'silent-sign-in' };
    },
    signIn() {
      write(undefined);
      return oidc.start({ returnTo: returnPath() });
    },
    signedOut() {
      write('signed-out');
    },
  };
}

/** Where the app returns after sign-in: where the user is, except the callback route (after a failed sign-in), which means home. */
function returnPath(): string {
  const { pathname, search, hash } = location;
  return pathname === '/callback' ? '/' : `${pathname}${search}${hash}`;
}
