// @vitest-environment jsdom
import { createSignIn, OAuthError } from '@tessera/core';
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

function Status() {
  const session = useSession();
  return h('p', { 'data-testid': 'status' }, `${session.status} ${session.claims?.sub ?? ''}`);
}

describe('TesseraProvider with createSignIn against @tessera/testing', () => {
  it('completes a real PKCE callback under StrictMode with exactly one token request', async () => {
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
    const authorizationUrl = await signIn.buildAuthorizationUrl({ returnTo: '/orders' });
    window.history.replaceState(null, '', auth.authorize(authorizationUrl));
    const onReturn = vi.fn();
    render(h(StrictMode, null, h(TesseraProvider, { tokens, signIn, onReturn }, h(Status))));
    expect(await screen.findByText('signed-in alice')).toBeTruthy();
    expect(auth.tokenRequestCount).toBe(1);
    expect(auth.tokenRequests).toEqual([
      { grantType: 'authorization_code', clientId: 'web', status: 200, at: clock.now() },
    ]);
    expect(window.location.href).toBe(`${window.location.origin}/callback`);
    expect(onReturn.mock.calls).toEqual([['/orders']]);
    expect(signIn.claims()).toMatchObject({ iss: auth.issuer, aud: 'web', sub: 'alice' });
    expect(navigate).not.toHaveBeenCalled();
  });
});

describe('two providers over one createSignIn (two React roots)', () => {
  async function signInAtCallback() {
    const tokens = manager();
    const signIn = createSignIn({
      issuer: auth.issuer,
      clientId: 'web',
      redirectUri: `${window.location.origin}/callback`,
      tokens,
      navigate: vi.fn(),
      clock: clock.now,
    });
    window.history.replaceState(
      null,
      '',
      auth.authorize(await signIn.buildAuthorizationUrl({ returnTo: '/orders' })),
    );
    return { tokens, signIn };
  }

  it('complete one callback with one token request and call onReturn once', async () => {
    const { tokens, signIn } = await signInAtCallback();
    const onReturn = vi.fn();
    render(h(TesseraProvider, { tokens, signIn, onReturn }, h(Status)));
    render(h(TesseraProvider, { tokens, signIn, onReturn }, h(Status)));
    expect(await screen.findAllByText('signed-in alice')).toHaveLength(2);
    expect(auth.tokenRequestCount).toBe(1);
    await vi.waitFor(() => expect(onReturn).toHaveBeenCalled());
    expect(onReturn.mock.calls).toEqual([['/orders']]);
  });

  it('leave the callback to the provider with an onReturn when the first to complete it has none', async () => {
    const { tokens, signIn } = await signInAtCallback();
    const onReturn = vi.fn();
    render(h(TesseraProvider, { tokens, signIn }, h(Status)));
    render(h(TesseraProvider, { tokens, signIn, onReturn }, h(Status)));
    expect(await screen.findAllByText('signed-in alice')).toHaveLength(2);
    await vi.waitFor(() => expect(onReturn).toHaveBeenCalled());
    expect(onReturn.mock.calls).toEqual([['/orders']]);
  });
});

/** The status and, after a failed sign-in, its OAuth `error`. */
function Why() {
  const { status, error } = useSession();
  return h('p', null, `${status}${error instanceof OAuthError ? ` ${error.error}` : ''}`);
}

describe('a provider re-created after a callback error (re-keyed, or an error boundary that remounts it)', () => {
  it('shows the same error: it lives with the manager, not the provider (decision 1001, stop 38)', async () => {
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
    const authorizationUrl = await signIn.buildAuthorizationUrl({ returnTo: '/orders' });
    window.history.replaceState(null, '', auth.authorize(authorizationUrl, { error: 'access_denied' }));
    const view = (key: number) => h(TesseraProvider, { key, tokens, signIn }, h(Why));
    const { rerender } = render(view(1));
    expect(await screen.findByText('signed-out access_denied')).toBeTruthy();
    // The address bar was cleaned: the callback URL is gone, and a settled callback is not shared through
    // the clean URL (decision 1107), so the new store completes nothing: it starts from the manager's outcome.
    expect(window.location.href).toBe(`${window.location.origin}/callback`);
    rerender(view(2));
    expect(await screen.findByText('signed-out access_denied')).toBeTruthy();
    expect(auth.tokenRequestCount).toBe(0);
    expect(navigate).not.toHaveBeenCalled();
  });

  it('under <RequireSession>, the new store starts no sign-in: it shows the error too', async () => {
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
    window.history.replaceState(
      null,
      '',
      auth.authorize(await signIn.buildAuthorizationUrl(), { error: 'access_denied' }),
    );
    const view = (key: number) =>
      h(TesseraProvider, { key, tokens, signIn }, h(RequireSession, { fallback: h(Why) }, 'orders page'));
    const { rerender } = render(view(1));
    expect(await screen.findByText('signed-out access_denied')).toBeTruthy();
    rerender(view(1)); // the same provider: the error stays, no sign-in
    expect(screen.getByText('signed-out access_denied')).toBeTruthy();
    rerender(view(2));
    expect(await screen.findByText('signed-out access_denied')).toBeTruthy();
    await act(() => Promise.resolve());
    expect(navigate).not.toHaveBeenCalled();
  });
});

describe('<RequireSession> mounted, unmounted and mounted again while its sign-in navigates (StrictMode)', () => {
  it('navigates to the authorization server once: the second mount waits for that navigation', async () => {
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
    const start = vi.spyOn(signIn, 'start');
    const tree = () =>
      h(
        StrictMode,
        null,
        h(
          TesseraProvider,
          { tokens, signIn },
          h(RequireSession, { fallback: h(Status) }, h('p', null, 'orders page')),
        ),
      );
    const first = render(tree());
    await vi.waitFor(() => expect(navigate).toHaveBeenCalledTimes(1));
    first.unmount();
    render(tree());
    await act(() => tokens.ready());
    await act(() => Promise.resolve());
    expect(screen.getByText('loading')).toBeTruthy();
    expect(screen.queryByText('orders page')).toBeNull();
    expect(navigate).toHaveBeenCalledTimes(1);
    expect(start).toHaveBeenCalledTimes(1);
    expect(auth.tokenRequestCount).toBe(0);
  });
});
