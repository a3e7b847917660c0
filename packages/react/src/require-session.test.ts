// @vitest-environment jsdom
import { createSignIn, OAuthError } from '@tessera/core';
import { act, cleanup, render, screen } from '@testing-library/react';
import { createElement as h, StrictMode, useState } from 'react';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { deferred, fakeSignIn, setupAuthServer, tabStorage } from '../../core/test/session-support.js';
import { RequireSession } from './require-session.js';
import { TesseraProvider } from './tessera-provider.js';
import { useGetAccessToken } from './use-get-access-token.js';
import { useSession } from './use-session.js';

const { auth, clock, manager } = setupAuthServer();
afterEach(cleanup);

const protectedRenders = vi.fn();
function Protected() {
  protectedRenders();
  return h('p', null, 'secret page');
}
function Why() {
  const { status, error } = useSession();
  return h('p', null, `fallback: ${status}${error instanceof OAuthError ? ` ${error.error}` : ''}`);
}
/** The status and, after a failure, the error's class name (`NetworkError`…). */
function Failed() {
  const { status, error } = useSession();
  return h('p', null, `fallback: ${status}${error ? ` ${(error as Error).name}` : ''}`);
}
afterEach(() => protectedRenders.mockClear());

describe('RequireSession', () => {
  it('renders its children when signed in and starts no sign-in', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const signIn = fakeSignIn();
    render(h(TesseraProvider, { tokens, signIn }, h(RequireSession, { fallback: h(Why) }, h(Protected))));
    expect(await screen.findByText('secret page')).toBeTruthy();
    expect(signIn.start).not.toHaveBeenCalled();
  });

  it('starts exactly one sign-in under StrictMode, with the current path as returnTo, and never renders the children', async () => {
    window.history.replaceState(null, '', '/orders/42?tab=items#notes');
    const signIn = fakeSignIn(async () => ({ status: 'not-a-callback' }));
    const tokens = manager();
    render(
      h(
        StrictMode,
        null,
        h(TesseraProvider, { tokens, signIn }, h(RequireSession, { fallback: h(Why) }, h(Protected))),
      ),
    );
    expect(await screen.findByText('fallback: signed-out')).toBeTruthy();
    expect(signIn.start).toHaveBeenCalledTimes(1);
    expect(signIn.start).toHaveBeenCalledWith({ returnTo: '/orders/42?tab=items#notes' });
    expect(protectedRenders).not.toHaveBeenCalled();
  });

  it('starts one sign-in for the mount, even when it re-renders many times', async () => {
    const signIn = fakeSignIn();
    const tokens = manager();
    const tree = (n: number) =>
      h(
        TesseraProvider,
        { tokens, signIn },
        h(RequireSession, { fallback: `waiting ${n}`, returnTo: '/a' }, h(Protected)),
      );
    const { rerender } = render(tree(0));
    await screen.findByText('waiting 0');
    for (let n = 1; n <= 5; n += 1) rerender(tree(n));
    expect(signIn.start).toHaveBeenCalledTimes(1);
    expect(signIn.start).toHaveBeenCalledWith({ returnTo: '/a' });
  });

  it('does not start sign-in after a callback error (access_denied): it renders the fallback with the error', async () => {
    const denied = new OAuthError({ error: 'access_denied', status: 302 }, 'callback');
    const signIn = fakeSignIn(async () => ({ status: 'error', error: denied }));
    render(
      h(
        TesseraProvider,
        { tokens: manager(), signIn },
        h(RequireSession, { fallback: h(Why) }, h(Protected)),
      ),
    );
    expect(await screen.findByText('fallback: signed-out access_denied')).toBeTruthy();
    expect(signIn.start).not.toHaveBeenCalled();
  });

  it('does not start sign-in when the session ended under the user (invalid_grant): fallback, children unmounted', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const signIn = fakeSignIn();
    render(h(TesseraProvider, { tokens, signIn }, h(RequireSession, { fallback: h(Why) }, h(Protected))));
    await screen.findByText('secret page');
    auth.revokeAll();
    clock.advance(3_600_000);
    await act(() => tokens.getAccessToken().catch(() => {}));
    expect(await screen.findByText('fallback: ended invalid_grant')).toBeTruthy();
    expect(signIn.start).not.toHaveBeenCalled();
  });

  it('does not start sign-in when another tab signs out or ends the session: fallback with ended, under StrictMode', async () => {
    const storage = tabStorage();
    const tokens = manager({ storage });
    await tokens.setTokens(await auth.issueTokens());
    const signIn = fakeSignIn();
    render(
      h(
        StrictMode,
        null,
        h(TesseraProvider, { tokens, signIn }, h(RequireSession, { fallback: h(Why) }, h(Protected))),
      ),
    );
    await screen.findByText('secret page');
    act(() => storage.removeInOtherTab());
    expect(screen.getByText('fallback: ended')).toBeTruthy();
    expect(screen.queryByText('secret page')).toBeNull();
    expect(signIn.start).not.toHaveBeenCalled();
    expect(auth.tokenRequestCount).toBe(0);
  });

  it('shows the error when start() rejects, and does not retry it', async () => {
    const signIn = {
      start: vi.fn(() =>
        Promise.reject(new OAuthError({ error: 'temporarily_unavailable', status: 503 }, 'discovery')),
      ),
    };
    render(
      h(
        TesseraProvider,
        { tokens: manager(), signIn },
        h(RequireSession, { fallback: h(Why) }, h(Protected)),
      ),
    );
    expect(await screen.findByText('fallback: signed-out temporarily_unavailable')).toBeTruthy();
    expect(signIn.start).toHaveBeenCalledTimes(1);
  });

  it('shows the error when start() throws synchronously (no throw from the effect), and does not retry it', async () => {
    const uncaught = vi.fn();
    window.addEventListener('error', uncaught);
    onTestFinished(() => window.removeEventListener('error', uncaught));
    const signIn = {
      start: vi.fn((): Promise<unknown> => {
        throw new OAuthError({ error: 'invalid_request', status: 400 }, 'discovery');
      }),
    };
    render(
      h(
        StrictMode,
        null,
        h(
          TesseraProvider,
          { tokens: manager(), signIn },
          h(RequireSession, { fallback: h(Why) }, h(Protected)),
        ),
      ),
    );
    expect(await screen.findByText('fallback: signed-out invalid_request')).toBeTruthy();
    expect(signIn.start).toHaveBeenCalledTimes(1);
    expect(uncaught).not.toHaveBeenCalled();
    expect(protectedRenders).not.toHaveBeenCalled();
  });

  it('without a signIn, renders the fallback when signed out', async () => {
    render(h(TesseraProvider, { tokens: manager() }, h(RequireSession, { fallback: h(Why) }, h(Protected))));
    expect(await screen.findByText('fallback: signed-out')).toBeTruthy();
  });
});

/** Handles on the app below: leave or revisit the protected page, type, and get a token. */
const page = {} as {
  show: (visible: boolean) => void;
  type: (text: string) => void;
  getToken: () => Promise<string>;
};
/** An app whose protected page can be left and revisited while the provider stays mounted. */
function PageApp() {
  const [visible, setVisible] = useState(true);
  page.show = setVisible;
  page.getToken = useGetAccessToken();
  return visible ? h(RequireSession, { fallback: h(Why) }, h(Protected)) : 'other page';
}
const statusesSeen: string[] = [];
function StatusProbe() {
  const { status } = useSession();
  statusesSeen.push(status);
  return h('p', null, `fallback: ${status}`);
}
/** An app where the user types next to the protected content (each keystroke re-renders). */
function TypingApp() {
  const [text, setText] = useState('');
  page.type = setText;
  page.getToken = useGetAccessToken();
  return h('div', null, text, h(RequireSession, { fallback: h(StatusProbe) }, h(Protected)));
}

describe('RequireSession when the session changes while it is not mounted', () => {
  it('shows ended, and starts no sign-in, when the session ended while the user was on another page', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const signIn = fakeSignIn(async () => ({ status: 'not-a-callback' }));
    render(h(TesseraProvider, { tokens, signIn }, h(PageApp)));
    await screen.findByText('secret page');
    act(() => page.show(false));
    auth.revokeAll();
    clock.advance(3_600_000);
    await page.getToken().catch(() => {});
    await act(async () => page.show(true));
    expect(screen.getByText('fallback: ended invalid_grant')).toBeTruthy();
    expect(signIn.start).not.toHaveBeenCalled();
  });

  it('shows signed-out, not ended, when the user signed out after the end while on another page', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    render(h(TesseraProvider, { tokens }, h(PageApp)));
    await screen.findByText('secret page');
    auth.revokeAll();
    clock.advance(3_600_000);
    await act(() => page.getToken().catch(() => {}));
    expect(await screen.findByText('fallback: ended invalid_grant')).toBeTruthy();
    act(() => page.show(false));
    await tokens.clear();
    await act(async () => page.show(true));
    expect(screen.getByText('fallback: signed-out')).toBeTruthy();
  });
});

describe('RequireSession while an ended session is being removed', () => {
  it('never shows signed-out, nor starts a sign-in, while an ended session is being removed from storage', async () => {
    const removeArrived = deferred<void>();
    const removeDone = deferred<void>();
    let stored: unknown;
    const storage = {
      get: async () => stored,
      set: async (value: unknown) => {
        stored = value;
      },
      remove: async () => {
        removeArrived.resolve();
        await removeDone.promise;
        stored = undefined;
      },
    };
    const tokens = manager({ storage });
    await tokens.setTokens(await auth.issueTokens());
    const signIn = fakeSignIn(async () => ({ status: 'not-a-callback' }));
    statusesSeen.length = 0;
    render(h(TesseraProvider, { tokens, signIn }, h(TypingApp)));
    await screen.findByText('secret page');
    auth.revokeAll();
    clock.advance(3_600_000);
    const failed = page.getToken().catch((error: unknown) => error);
    await removeArrived.promise;
    act(() => page.type('the user keeps typing'));
    removeDone.resolve();
    await act(async () => {
      await failed;
    });
    expect(screen.getByText('fallback: ended')).toBeTruthy();
    expect(statusesSeen).not.toContain('signed-out');
    expect(signIn.start).not.toHaveBeenCalled();
  });
});

/** Rejection values that are falsy: a failed sign-in must still count as failed (decision 1001). */
const falsyReasons: Array<[string, unknown]> = [
  ['NaN', Number.NaN],
  ['0', 0],
  ["''", ''],
  ['undefined', undefined],
  ['null', null],
  ['false', false],
];

const failureSeen: Array<{ status: string; error?: unknown }> = [];
function FailureProbe() {
  const session = useSession();
  failureSeen.push(session);
  return h('p', null, `fallback: ${session.status}`);
}

describe('RequireSession after a sign-in that failed with a falsy reason', () => {
  it.each(falsyReasons)(
    'a callback rejecting with %s: starts no sign-in, and the fallback sees an error',
    async (_, reason) => {
      const signIn = fakeSignIn(() => Promise.reject(reason));
      render(
        h(
          TesseraProvider,
          { tokens: manager(), signIn },
          h(RequireSession, { fallback: h(FailureProbe) }, h(Protected)),
        ),
      );
      expect(await screen.findByText('fallback: signed-out')).toBeTruthy();
      expect(signIn.start).not.toHaveBeenCalled();
      const { error } = failureSeen.at(-1)!;
      expect(error).toMatchObject({ name: 'TesseraError', code: 'SIGN_IN_FAILED' });
      expect(Object.is((error as Error).cause, reason)).toBe(true);
    },
  );

  it.each(falsyReasons)('a callback reporting an error of %s: starts no sign-in', async (_, reason) => {
    const signIn = fakeSignIn(async () => ({ status: 'error', error: reason }));
    render(
      h(
        TesseraProvider,
        { tokens: manager(), signIn },
        h(RequireSession, { fallback: h(Why) }, h(Protected)),
      ),
    );
    expect(await screen.findByText('fallback: signed-out')).toBeTruthy();
    expect(signIn.start).not.toHaveBeenCalled();
  });

  it.each(falsyReasons)(
    'start() rejecting with %s: the next protected page starts no second sign-in',
    async (_, reason) => {
      const rejected = Promise.reject(reason);
      rejected.catch(() => {});
      const signIn = { start: vi.fn(() => rejected) };
      render(h(TesseraProvider, { tokens: manager(), signIn }, h(PageApp)));
      expect(await screen.findByText('fallback: signed-out')).toBeTruthy();
      expect(signIn.start).toHaveBeenCalledTimes(1);
      // The store's handler was attached before this one: the failure is recorded once this settles.
      await act(() => rejected.catch(() => {}));
      act(() => page.show(false));
      act(() => page.show(true));
      expect(screen.getByText('fallback: signed-out')).toBeTruthy();
      expect(signIn.start).toHaveBeenCalledTimes(1);
    },
  );
});

/** Back from the provider restores the page from the back/forward cache, as it was at `start()`. */
const backFromProvider = () =>
  act(() => {
    window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
  });

describe('RequireSession after Back from the provider (bfcache)', () => {
  it('keeps the fallback with signed-out, where the app offers a button, and starts no second sign-in by itself', async () => {
    const signIn = fakeSignIn(async () => ({ status: 'not-a-callback' }));
    render(
      h(
        TesseraProvider,
        { tokens: manager(), signIn },
        h(RequireSession, { fallback: h(Why) }, h(Protected)),
      ),
    );
    expect(await screen.findByText('fallback: signed-out')).toBeTruthy();
    expect(signIn.start).toHaveBeenCalledTimes(1);
    await backFromProvider();
    expect(screen.getByText('fallback: signed-out')).toBeTruthy();
    expect(signIn.start).toHaveBeenCalledTimes(1);
    expect(protectedRenders).not.toHaveBeenCalled();
  });

  it('leaves loading when the page was navigating as the provider mounted: signed-out, then one sign-in as on a reload', async () => {
    const signIn = fakeSignIn(async () => ({ status: 'navigating' }));
    render(
      h(
        TesseraProvider,
        { tokens: manager(), signIn },
        h(RequireSession, { fallback: h(Why) }, h(Protected)),
      ),
    );
    expect(await screen.findByText('fallback: loading')).toBeTruthy();
    await backFromProvider();
    expect(await screen.findByText('fallback: signed-out')).toBeTruthy();
    expect(signIn.start).toHaveBeenCalledTimes(1);
    expect(protectedRenders).not.toHaveBeenCalled();
  });

  it('shows the children when the manager holds a set once the page is back', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const signIn = fakeSignIn(async () => ({ status: 'navigating' }));
    render(h(TesseraProvider, { tokens, signIn }, h(RequireSession, { fallback: h(Why) }, h(Protected))));
    expect(await screen.findByText('fallback: loading')).toBeTruthy();
    await backFromProvider();
    expect(await screen.findByText('secret page')).toBeTruthy();
    expect(signIn.start).not.toHaveBeenCalled();
  });

  it('shows the error, not a spinner, when a start() begun before the provider mounted fails while it waits (no Back comes)', async () => {
    const offline = deferred<void>();
    const navigate = vi.fn();
    const tokens = manager();
    const signIn = createSignIn({
      issuer: auth.issuer,
      clientId: 'web',
      redirectUri: `${window.location.origin}/callback`,
      tokens,
      navigate,
      clock: clock.now,
      fetch: async () => {
        await offline.promise;
        throw new TypeError('fetch failed');
      },
    });
    // The app starts sign-in at boot, before it renders.
    const started = signIn.start().catch((reason: unknown) => reason);
    const start = vi.spyOn(signIn, 'start');
    render(h(TesseraProvider, { tokens, signIn }, h(RequireSession, { fallback: h(Failed) }, h(Protected))));
    expect(await screen.findByText('fallback: loading')).toBeTruthy();
    offline.resolve();
    const failure = (await started) as Error;
    expect(await screen.findByText(`fallback: signed-out ${failure.name}`)).toBeTruthy();
    expect(failure.name).toBe('NetworkError');
    expect(start).not.toHaveBeenCalled();
    expect(navigate).not.toHaveBeenCalled();
    expect(protectedRenders).not.toHaveBeenCalled();
  });
});
