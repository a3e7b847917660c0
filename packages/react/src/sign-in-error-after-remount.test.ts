// @vitest-environment jsdom
import { createSignIn, OAuthError, StaleCallbackError, type TokenManager } from '@tessera/core';
import { cleanup, render, screen } from '@testing-library/react';
import { createElement as h, StrictMode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setupAuthServer } from '../../core/test/session-support.js';
import { RequireSession } from './require-session.js';
import { TesseraProvider } from './tessera-provider.js';
import { useSession } from './use-session.js';

const { auth, clock, manager } = setupAuthServer();
afterEach(() => {
  cleanup();
  sessionStorage.clear();
  window.history.replaceState(null, '', '/');
});

/** The errors the session showed, in render order. */
const shown: unknown[] = [];
afterEach(() => {
  shown.length = 0;
});

/** The status and, after a failed sign-in, its OAuth `error` (or the error's class name). */
function Why() {
  const { status, error } = useSession();
  if (error) shown.push(error);
  const why = error instanceof OAuthError ? error.error : (error as Error | undefined)?.name;
  return h('p', null, `${status}${why ? ` ${why}` : ''}`);
}

function signInFor(tokens: TokenManager, navigate = vi.fn()) {
  return createSignIn({
    issuer: auth.issuer,
    clientId: 'web',
    redirectUri: `${window.location.origin}/callback`,
    tokens,
    navigate,
    clock: clock.now,
  });
}

/** The provider under StrictMode, re-created when `key` changes (a router or an error boundary remounting it). */
const app = (key: number, tokens: TokenManager, signIn: ReturnType<typeof signInFor>) =>
  h(
    StrictMode,
    null,
    h(TesseraProvider, { key, tokens, signIn }, h(RequireSession, { fallback: h(Why) }, 'orders page')),
  );

describe('a provider re-created after a failed callback (StrictMode, a new key, an error boundary)', () => {
  it('shows the same access_denied OAuthError, starts no sign-in and sends no token request', async () => {
    const tokens = manager();
    const navigate = vi.fn();
    const signIn = signInFor(tokens, navigate);
    const callback = auth.authorize(await signIn.buildAuthorizationUrl({ returnTo: '/orders' }), {
      error: 'access_denied',
    });
    window.history.replaceState(null, '', callback);
    const { rerender } = render(app(1, tokens, signIn));
    expect(await screen.findByText('signed-out access_denied')).toBeTruthy();
    const first = shown.at(-1);
    expect(window.location.href).toBe(`${window.location.origin}/callback`);
    rerender(app(2, tokens, signIn));
    expect(await screen.findByText('signed-out access_denied')).toBeTruthy();
    rerender(app(3, tokens, signIn));
    expect(await screen.findByText('signed-out access_denied')).toBeTruthy();
    expect(shown.at(-1)).toBe(first);
    expect(first).toBeInstanceOf(OAuthError);
    expect(navigate).not.toHaveBeenCalled();
    expect(auth.tokenRequestCount).toBe(0);
    // Nothing of the callback URL: neither its `state` nor (below) a code.
    const state = new URL(callback).searchParams.get('state')!;
    expect(JSON.stringify(first)).not.toContain(state);
    expect(String((first as Error).message)).not.toContain(state);
  });

  it('shows a state mismatch (StaleCallbackError) again, without the code or the state', async () => {
    const tokens = manager();
    const navigate = vi.fn();
    const signIn = signInFor(tokens, navigate);
    const callback = new URL(auth.authorize(await signIn.buildAuthorizationUrl()));
    const code = callback.searchParams.get('code')!;
    callback.searchParams.set('state', 'tampered-state-value');
    window.history.replaceState(null, '', callback.href);
    const { rerender } = render(app(1, tokens, signIn));
    expect(await screen.findByText('signed-out StaleCallbackError')).toBeTruthy();
    rerender(app(2, tokens, signIn));
    expect(await screen.findByText('signed-out StaleCallbackError')).toBeTruthy();
    const error = shown.at(-1) as StaleCallbackError;
    expect(error).toBeInstanceOf(StaleCallbackError);
    for (const text of [JSON.stringify(error), error.message, String(error.stack)]) {
      expect(text).not.toContain(code);
      expect(text).not.toContain('tampered-state-value');
    }
    expect(navigate).not.toHaveBeenCalled();
    expect(auth.tokenRequestCount).toBe(0);
  });

  it('forgets the error once a new sign-in succeeds: a provider re-created after signing out shows no error', async () => {
    const tokens = manager();
    const signIn = signInFor(tokens);
    window.history.replaceState(
      null,
      '',
      auth.authorize(await signIn.buildAuthorizationUrl(), { error: 'access_denied' }),
    );
    const { rerender } = render(app(1, tokens, signIn));
    expect(await screen.findByText('signed-out access_denied')).toBeTruthy();
    // The user tries again and this time signs in.
    window.history.replaceState(null, '', auth.authorize(await signIn.buildAuthorizationUrl()));
    rerender(app(2, tokens, signIn));
    expect(await screen.findByText('orders page')).toBeTruthy();
    expect(auth.tokenRequestCount).toBe(1);
    await tokens.clear();
    rerender(app(3, tokens, signIn));
    await vi.waitFor(() => expect(screen.queryByText(/^signed-out/)).toBeTruthy());
    expect(screen.getByText('signed-out')).toBeTruthy();
  });
});
