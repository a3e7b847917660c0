// @vitest-environment jsdom
import { createSignIn, type SignInOptions, type TokenManager } from '@tessera/core';
import { act, cleanup, render, screen } from '@testing-library/react';
import { createElement as h, StrictMode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setupAuthServer, trackSubscriptions } from '../../core/test/session-support.js';
import { TesseraProvider } from './tessera-provider.js';
import { useSession } from './use-session.js';

// The provider used against its documentation (objects created in render, two providers, an unmount
// mid-callback), with the real createSignIn: what a user would notice is a second token request, an
// unhandled rejection (vitest fails the run on one), or listeners left on the manager.
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

const options = (tokens: TokenManager): SignInOptions => ({
  issuer: auth.issuer,
  clientId: 'web',
  redirectUri: `${window.location.origin}/callback`,
  tokens,
  navigate: vi.fn(),
  clock: clock.now,
});

/** Puts the browser on the callback of a sign-in started from `returnTo`. */
async function atCallback(tokens: TokenManager, returnTo = '/orders'): Promise<void> {
  const url = await createSignIn(options(tokens)).buildAuthorizationUrl({ returnTo });
  window.history.replaceState(null, '', auth.authorize(url));
}

describe('<TesseraProvider> used against its documentation', () => {
  it('a new createSignIn() in every render (StrictMode, 20 renders during the callback): one token request, onReturn once, one manager listener left by sign-in, none by the provider after unmount', async () => {
    const tokens = manager();
    const counts = trackSubscriptions(tokens);
    await atCallback(tokens);
    const baseline = counts.active(); // the sign-in that started it
    const onReturn = vi.fn();
    const view = () =>
      h(
        StrictMode,
        null,
        h(TesseraProvider, { tokens, signIn: createSignIn(options(tokens)), onReturn }, h(Status)),
      );
    const { rerender, unmount } = render(view());
    for (let index = 0; index < 20; index += 1) rerender(view());
    expect(await screen.findByText('signed-in alice')).toBeTruthy();
    await vi.waitFor(() => expect(onReturn).toHaveBeenCalled());
    expect(onReturn.mock.calls).toEqual([['/orders']]);
    expect(auth.tokenRequestCount).toBe(1);
    unmount();
    // Sign-in listens to its manager once however many instances there are over it (session state
    // shared by manager); every store the provider made has let go.
    expect(counts.active()).toBe(baseline);
  });

  it('a new TokenManager in every render: each is let go by the provider, none keeps a listener', async () => {
    const made: ReturnType<typeof trackSubscriptions>[] = [];
    const fresh = () => {
      const tokens = manager();
      made.push(trackSubscriptions(tokens));
      return tokens;
    };
    const view = () => h(StrictMode, null, h(TesseraProvider, { tokens: fresh() }, h(Status)));
    const { rerender, unmount } = render(view());
    for (let index = 0; index < 10; index += 1) rerender(view());
    expect(await screen.findByText('signed-out')).toBeTruthy();
    expect(made.filter((counts) => counts.active() > 0)).toHaveLength(1);
    unmount();
    expect(made.map((counts) => counts.active())).toEqual(made.map(() => 0));
  });

  it('two providers over one manager and one sign-in: one token request, onReturn once, no listener left after both unmount', async () => {
    const tokens = manager();
    const signIn = createSignIn(options(tokens));
    const counts = trackSubscriptions(tokens);
    await atCallback(tokens);
    const baseline = counts.active();
    const onReturn = vi.fn();
    const first = render(h(TesseraProvider, { tokens, signIn, onReturn }, h(Status)));
    const second = render(h(StrictMode, null, h(TesseraProvider, { tokens, signIn, onReturn }, h(Status))));
    expect(await screen.findAllByText('signed-in alice')).toHaveLength(2);
    await vi.waitFor(() => expect(onReturn).toHaveBeenCalled());
    expect(onReturn.mock.calls).toEqual([['/orders']]);
    expect(auth.tokenRequestCount).toBe(1);
    first.unmount();
    second.unmount();
    expect(counts.active()).toBe(baseline);
  });

  it('unmounted while handleCallback is in flight: one token request, the session kept, no onReturn, no listener left', async () => {
    const tokens = manager();
    const signIn = createSignIn(options(tokens));
    const counts = trackSubscriptions(tokens);
    await atCallback(tokens);
    const baseline = counts.active();
    const onReturn = vi.fn();
    const { unmount } = render(
      h(StrictMode, null, h(TesseraProvider, { tokens, signIn, onReturn }, h(Status))),
    );
    unmount();
    expect(auth.tokenRequestCount).toBe(0);
    await act(async () => {
      await vi.waitFor(() => expect(tokens.peekTokens()).toBeDefined());
    });
    expect(auth.tokenRequestCount).toBe(1);
    expect(onReturn).not.toHaveBeenCalled();
    expect(counts.active()).toBe(baseline);
    // Mounted again: signed in from the manager, no second exchange.
    render(h(TesseraProvider, { tokens, signIn, onReturn }, h(Status)));
    expect(await screen.findByText('signed-in alice')).toBeTruthy();
    expect(auth.tokenRequestCount).toBe(1);
  });
});

describe('a returnTo that leads off the app', () => {
  it.each(['//evil.example/x', '/\\evil.example/x', 'javascript:alert(1)', 'https://evil.example/x'])(
    'given %s, onReturn gets / and the provider navigates nowhere itself',
    async (returnTo) => {
      const tokens = manager();
      await atCallback(tokens, returnTo);
      const onReturn = vi.fn();
      render(h(TesseraProvider, { tokens, signIn: createSignIn(options(tokens)), onReturn }, h(Status)));
      expect(await screen.findByText('signed-in alice')).toBeTruthy();
      await vi.waitFor(() => expect(onReturn).toHaveBeenCalled());
      expect(onReturn.mock.calls).toEqual([['/']]);
      expect(window.location.href).toBe(`${window.location.origin}/callback`);
    },
  );
});
