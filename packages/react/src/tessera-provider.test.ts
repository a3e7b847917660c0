// @vitest-environment jsdom
import type { SessionCallbackResult as CallbackResult } from '@tessera/core';
import { act, cleanup, render, screen } from '@testing-library/react';
import { createElement as h, StrictMode, useEffect } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  callbackSignIn,
  deferred,
  fakeSignIn,
  setupAuthServer,
  signInAt,
} from '../../core/test/session-support.js';
import { type TesseraContextValue, useSessionStore } from './tessera-context.js';
import { TesseraProvider } from './tessera-provider.js';
import { useSession } from './use-session.js';

const { auth, manager } = setupAuthServer();
afterEach(() => {
  cleanup();
  window.history.replaceState(null, '', '/');
});

/** What a router's `<Navigate to="/login" replace>` does: replaces the URL in its first effect. */
function NavigateInEffect({ to }: { to: string }) {
  useEffect(() => window.history.replaceState(null, '', to), [to]);
  return null;
}

/** Adds every store it renders under to `stores`: one per provider instance. */
function Capture({ stores }: { stores: Set<TesseraContextValue> }) {
  stores.add(useSessionStore());
  return null;
}

function Status() {
  return h('p', { 'data-testid': 'status' }, useSession().status);
}

describe('TesseraProvider', () => {
  it.each([
    ['', (tree: ReturnType<typeof h>) => tree],
    [' under StrictMode', (tree: ReturnType<typeof h>) => h(StrictMode, null, tree)],
  ])('completes the callback when a child replaces the URL in its first effect%s', async (_, wrap) => {
    window.history.replaceState(null, '', '/callback?code=c1&state=s1');
    const tokens = manager();
    const signIn = callbackSignIn(auth, tokens);
    const onReturn = vi.fn();
    render(
      wrap(
        h(TesseraProvider, { tokens, signIn, onReturn }, h(NavigateInEffect, { to: '/login' }), h(Status)),
      ),
    );
    expect(await screen.findByText('signed-in')).toBeTruthy();
    expect(auth.tokenRequestCount).toBe(1);
    expect(signIn.handleCallback).toHaveBeenCalledTimes(1);
    expect(signIn.handleCallback).toHaveBeenCalledWith(`${window.location.origin}/callback?code=c1&state=s1`);
    expect(onReturn.mock.calls).toEqual([['/orders']]);
  });

  it.each([
    ['signs in', true],
    ['fails', false],
  ])(
    'unmounted while its callback is pending, which then %s: no React warning, no unhandled rejection, one token request',
    async (_, succeeds) => {
      const errors = vi.spyOn(console, 'error');
      const tokens = manager();
      const exchange = deferred<void>();
      const signIn = fakeSignIn(async (): Promise<CallbackResult> => {
        await exchange.promise;
        if (!succeeds) throw new Error('exchange refused');
        await signInAt(auth, tokens);
        return { status: 'handled' };
      });
      const { unmount } = render(h(StrictMode, null, h(TesseraProvider, { tokens, signIn }, h(Status))));
      expect(screen.getByTestId('status').textContent).toBe('loading');
      unmount();
      exchange.resolve();
      await act(async () => {
        await vi.waitFor(() => expect(signIn.handleCallback).toHaveBeenCalledTimes(1));
        await signIn.handleCallback?.mock.results[0]?.value.catch(() => undefined);
        await tokens.ready();
      });
      expect(errors).not.toHaveBeenCalled();
      expect(auth.tokenRequestCount).toBe(succeeds ? 1 : 0);
      expect(signIn.handleCallback).toHaveBeenCalledTimes(1);
      errors.mockRestore();
    },
  );

  it.each([
    ['', (tree: ReturnType<typeof h>) => tree],
    [' under StrictMode', (tree: ReturnType<typeof h>) => h(StrictMode, null, tree)],
  ])(
    'never calls the old onReturn when it gets another signIn while the callback is pending%s',
    async (_, wrap) => {
      const tokens = manager();
      const exchange = deferred<void>();
      const oldSignIn = fakeSignIn(async (): Promise<CallbackResult> => {
        await exchange.promise;
        await signInAt(auth, tokens);
        return { status: 'handled', returnTo: '/orders' };
      });
      const newSignIn = fakeSignIn(async () => ({ status: 'not-a-callback' }));
      const oldOnReturn = vi.fn();
      const newOnReturn = vi.fn();
      const stores = new Set<TesseraContextValue>();
      const tree = (signIn: typeof oldSignIn, onReturn: typeof oldOnReturn) =>
        wrap(h(TesseraProvider, { tokens, signIn, onReturn }, h(Capture, { stores }), h(Status)));
      const { rerender } = render(tree(oldSignIn, oldOnReturn));
      rerender(tree(newSignIn, newOnReturn));
      exchange.resolve();
      const [oldStore, newStore] = stores;
      await act(async () => {
        await oldStore?.ready();
        await newStore?.ready();
      });
      expect(stores.size).toBe(2);
      expect(screen.getByTestId('status').textContent).toBe('signed-in');
      expect(auth.tokenRequestCount).toBe(1);
      expect(oldOnReturn).not.toHaveBeenCalled();
      expect(newOnReturn).not.toHaveBeenCalled();
    },
  );

  it('still finds no callback on a page that is not one', async () => {
    window.history.replaceState(null, '', '/orders');
    const tokens = manager();
    const signIn = callbackSignIn(auth, tokens);
    render(h(TesseraProvider, { tokens, signIn }, h(Status)));
    await act(() => tokens.ready());
    expect(await screen.findByText('signed-out')).toBeTruthy();
    expect(auth.tokenRequestCount).toBe(0);
  });
});
