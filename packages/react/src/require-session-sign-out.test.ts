// @vitest-environment jsdom
import { createSignIn } from '@tessera/core';
import { act, cleanup, render, screen } from '@testing-library/react';
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

function Why() {
  return h('p', null, `fallback: ${useSession().status}`);
}

describe('RequireSession and a sign-out on the protected page', () => {
  it('starts no sign-in when the user signs out where it is mounted: the sign-out navigates, not a new sign-in', async () => {
    window.history.replaceState(null, '', '/orders');
    const tokens = manager();
    const navigate = vi.fn();
    const signIn = createSignIn({
      issuer: auth.issuer,
      clientId: 'web',
      redirectUri: `${window.location.origin}/callback`,
      tokens,
      navigate,
      clock: clock.now,
    });
    await tokens.setTokens(await auth.issueTokens());
    const start = vi.spyOn(signIn, 'start');
    render(
      h(
        StrictMode,
        null,
        h(TesseraProvider, { tokens, signIn }, h(RequireSession, { fallback: h(Why) }, 'orders page')),
      ),
    );
    await screen.findByText('orders page');
    // The "Sign out" button of the page's header: revokes, clears, navigates to the logout page if any.
    await act(() => signIn.signOut());
    expect(screen.getByText('fallback: signed-out')).toBeTruthy();
    expect(start).not.toHaveBeenCalled();
    expect(navigate).not.toHaveBeenCalled();
    expect(auth.tokenRequestCount).toBe(0);
  });

  it('starts no sign-in when the user signs out after the session ended on the page (fallback with ended)', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const signIn = { start: vi.fn(() => new Promise<unknown>(() => {})) };
    render(h(TesseraProvider, { tokens, signIn }, h(RequireSession, { fallback: h(Why) }, 'orders page')));
    await screen.findByText('orders page');
    auth.revokeAll();
    clock.advance(3_600_000);
    await act(() => tokens.getAccessToken().catch(() => {}));
    expect(screen.getByText('fallback: ended')).toBeTruthy();
    await act(() => tokens.clear());
    expect(screen.getByText('fallback: signed-out')).toBeTruthy();
    expect(signIn.start).not.toHaveBeenCalled();
  });

  it('still starts one sign-in when a protected page is mounted after the sign-out', async () => {
    window.history.replaceState(null, '', '/orders');
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const signIn = { start: vi.fn(() => new Promise<unknown>(() => {})) };
    const view = (page: string) =>
      h(
        TesseraProvider,
        { tokens, signIn },
        page === 'orders' ? h(RequireSession, { fallback: h(Why) }, 'orders page') : 'home',
      );
    const { rerender } = render(view('orders'));
    await screen.findByText('orders page');
    await act(() => tokens.clear());
    expect(screen.getByText('fallback: signed-out')).toBeTruthy();
    rerender(view('home'));
    rerender(view('orders'));
    expect(signIn.start).toHaveBeenCalledTimes(1);
    expect(signIn.start).toHaveBeenCalledWith({ returnTo: '/orders' });
  });

  it('starts one sign-in for another manager the provider gets while it is mounted, if that one has no session', async () => {
    const first = manager();
    await first.setTokens(await auth.issueTokens());
    const second = manager();
    const signIn = { start: vi.fn(() => new Promise<unknown>(() => {})) };
    const view = (tokens: typeof first) =>
      h(
        TesseraProvider,
        { tokens, signIn },
        h(RequireSession, { fallback: h(Why), returnTo: '/a' }, 'orders page'),
      );
    const { rerender } = render(view(first));
    await screen.findByText('orders page');
    rerender(view(second));
    expect(await screen.findByText('fallback: signed-out')).toBeTruthy();
    expect(signIn.start.mock.calls).toEqual([[{ returnTo: '/a' }]]);
  });
});
