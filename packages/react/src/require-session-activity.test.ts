// @vitest-environment jsdom
// React 19's `<Activity mode="hidden">` keeps a component's state (its refs) and removes its effects; shown
// again, the effects run anew. `<RequireSession>` remembers in a ref that it showed a status of the store.
import { act, cleanup, render, screen } from '@testing-library/react';
import * as React from 'react';
import { createElement as h, StrictMode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeSignIn, setupAuthServer } from '../../core/test/session-support.js';
import { RequireSession } from './require-session.js';
import { TesseraProvider } from './tessera-provider.js';
import { useSession } from './use-session.js';

const { auth, clock, manager } = setupAuthServer();
afterEach(() => {
  cleanup();
  window.history.replaceState(null, '', '/');
});

/** React 19's `Activity` (`undefined` in React 18, where these tests are skipped). */
const Activity = (React as { Activity?: React.ElementType }).Activity;

function Why() {
  return h('p', null, `fallback: ${useSession().status}`);
}

describe.skipIf(!Activity)('RequireSession inside <Activity>', () => {
  function app(tokens: ReturnType<typeof manager>, signIn: ReturnType<typeof fakeSignIn>) {
    return (mode: 'visible' | 'hidden') =>
      h(
        StrictMode,
        null,
        h(
          TesseraProvider,
          { tokens, signIn },
          h(Activity!, { mode }, h(RequireSession, { fallback: h(Why) }, 'orders page')),
        ),
      );
  }

  it('hidden and shown again while signed in: the children, no sign-in', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const signIn = fakeSignIn(async () => ({ status: 'not-a-callback' }));
    const view = app(tokens, signIn);
    const { rerender } = render(view('visible'));
    expect(await screen.findByText('orders page')).toBeTruthy();
    rerender(view('hidden'));
    rerender(view('visible'));
    expect(screen.getByText('orders page')).toBeTruthy();
    expect(signIn.start).not.toHaveBeenCalled();
  });

  it('a sign-in it started is not started again when it is hidden and shown', async () => {
    window.history.replaceState(null, '', '/orders');
    const signIn = fakeSignIn(async () => ({ status: 'not-a-callback' }));
    signIn.start.mockImplementation(() => new Promise(() => {}));
    const view = app(manager(), signIn);
    const { rerender } = render(view('visible'));
    expect(await screen.findByText('fallback: signed-out')).toBeTruthy();
    rerender(view('hidden'));
    rerender(view('visible'));
    expect(screen.getByText('fallback: signed-out')).toBeTruthy();
    expect(signIn.start.mock.calls).toEqual([[{ returnTo: '/orders' }]]);
  });

  it('the session ended while hidden: shown again, the fallback with ended, never the children, no sign-in', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const signIn = fakeSignIn(async () => ({ status: 'not-a-callback' }));
    const view = app(tokens, signIn);
    const { rerender } = render(view('visible'));
    await screen.findByText('orders page');
    rerender(view('hidden'));
    auth.revokeAll();
    clock.advance(3_600_000);
    await act(() => tokens.getAccessToken().catch(() => {}));
    rerender(view('visible'));
    expect(screen.getByText('fallback: ended')).toBeTruthy();
    expect(screen.queryByText('orders page')).toBeNull();
    expect(signIn.start).not.toHaveBeenCalled();
  });

  it('signed out while hidden (the user was on another page): shown again, it starts one sign-in, as a new mount does', async () => {
    window.history.replaceState(null, '', '/orders');
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const signIn = fakeSignIn(async () => ({ status: 'not-a-callback' }));
    signIn.start.mockImplementation(() => new Promise(() => {}));
    const view = app(tokens, signIn);
    const { rerender } = render(view('visible'));
    await screen.findByText('orders page');
    rerender(view('hidden'));
    await act(() => tokens.clear());
    expect(signIn.start).not.toHaveBeenCalled();
    rerender(view('visible'));
    expect(screen.getByText('fallback: signed-out')).toBeTruthy();
    expect(signIn.start.mock.calls).toEqual([[{ returnTo: '/orders' }]]);
  });

  it('signed out while shown, then hidden and shown: still no sign-in (the sign-out on the page, decision 1006)', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const signIn = fakeSignIn(async () => ({ status: 'not-a-callback' }));
    const view = app(tokens, signIn);
    const { rerender } = render(view('visible'));
    await screen.findByText('orders page');
    await act(() => tokens.clear());
    rerender(view('hidden'));
    rerender(view('visible'));
    expect(screen.getByText('fallback: signed-out')).toBeTruthy();
    expect(signIn.start).not.toHaveBeenCalled();
  });
});
