// @vitest-environment jsdom
import { backgroundRefresh, type SessionCallbackResult as CallbackResult, type Session } from '@tessera/core';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { createElement as h, StrictMode, useEffect, useState } from 'react';
import { hydrateRoot } from 'react-dom/client';
import { renderToString } from 'react-dom/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  deferred,
  fakeSignIn,
  setupAuthServer,
  signInAt,
  trackSubscriptions,
  unsignedJwt,
  withoutRefreshToken,
} from '../../core/test/session-support.js';
import { TesseraProvider } from './tessera-provider.js';
import { useGetAccessToken } from './use-get-access-token.js';
import { useSession } from './use-session.js';
import { useTokenManager } from './use-token-manager.js';

const { auth, clock, manager } = setupAuthServer();
afterEach(cleanup);

/** Renders `useSession()` and records every snapshot it rendered with. */
function SessionProbe({ seen }: { seen: Session[] }) {
  const session = useSession();
  seen.push(session);
  return h('p', { 'data-testid': 'status' }, session.status, ' ', String(session.claims?.name ?? ''));
}

/** Shows the status and a counter of its own; `control.bump()` re-renders it alone. */
function BusyProbe({ control }: { control: { bump?: () => void } }) {
  const [count, setCount] = useState(0);
  control.bump = () => setCount((value) => value + 1);
  return h('p', { 'data-testid': 'busy' }, `${useSession().status} ${count}`);
}

/** A text field: each keystroke re-renders the parent of the hook's component. */
function TypingForm({ seen }: { seen: Session[] }) {
  const [text, setText] = useState('');
  return h(
    'div',
    null,
    h('input', {
      'aria-label': 'note',
      value: text,
      onChange: (event: { target: { value: string } }) => setText(event.target.value),
    }),
    h(SessionProbe, { seen }),
  );
}

describe('useSession', () => {
  it('subscribes once and never again while the user types (re-renders)', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const counts = trackSubscriptions(tokens);
    render(h(TesseraProvider, { tokens }, h(TypingForm, { seen: [] })));
    const input = screen.getByLabelText('note');
    for (const value of ['h', 'he', 'hel', 'hell', 'hello']) fireEvent.change(input, { target: { value } });
    expect((input as HTMLInputElement).value).toBe('hello');
    expect(counts).toMatchObject({ subscribes: 1, unsubscribes: 0 });
  });

  it('leaves exactly one subscription under StrictMode, and none after unmount', async () => {
    const tokens = manager();
    const counts = trackSubscriptions(tokens);
    const { unmount } = render(
      h(StrictMode, null, h(TesseraProvider, { tokens }, h(SessionProbe, { seen: [] }))),
    );
    await act(() => tokens.ready());
    expect(counts.active()).toBe(1);
    unmount();
    expect(counts.active()).toBe(0);
  });

  it('moves the one subscription to the new manager when the provider gets another one (hot reload)', async () => {
    const first = manager();
    const second = manager();
    const firstCounts = trackSubscriptions(first);
    const secondCounts = trackSubscriptions(second);
    const seen: Session[] = [];
    const { rerender, unmount } = render(h(TesseraProvider, { tokens: first }, h(SessionProbe, { seen })));
    await act(() => first.ready());
    await second.setTokens(await auth.issueTokens());
    rerender(h(TesseraProvider, { tokens: second }, h(SessionProbe, { seen })));
    await act(() => second.ready());
    expect(firstCounts.active()).toBe(0);
    expect(secondCounts.active()).toBe(1);
    expect(screen.getByTestId('status').textContent).toMatch(/^signed-in/);
    unmount();
    expect(secondCounts.active()).toBe(0);
  });

  it('renders loading, then signed-in, with claims decoded from the ID token (UTF-8)', async () => {
    const tokens = manager();
    await tokens.setTokens({
      access_token: 'a',
      expires_in: 300,
      id_token: unsignedJwt({ sub: 'u1', name: 'Zoë 山田' }),
    });
    const seen: Session[] = [];
    render(
      h(
        TesseraProvider,
        { tokens, signIn: fakeSignIn(async () => ({ status: 'not-a-callback' })) },
        h(SessionProbe, { seen }),
      ),
    );
    expect(seen[0]?.status).toBe('loading');
    expect(await screen.findByText('signed-in Zoë 山田')).toBeTruthy();
    expect(seen.at(-1)?.expiresAt).toBe(tokens.peekTokens()?.expiresAt);
  });

  it('under StrictMode completes the callback with one token request and shows no signed-out or error meanwhile', async () => {
    const tokens = manager();
    const exchange = deferred<void>();
    const signIn = fakeSignIn(async (): Promise<CallbackResult> => {
      await exchange.promise;
      await signInAt(auth, tokens); // what a real callback does
      return { status: 'handled' };
    });
    const seen: Session[] = [];
    render(h(StrictMode, null, h(TesseraProvider, { tokens, signIn }, h(SessionProbe, { seen }))));
    await act(() => tokens.ready());
    expect(new Set(seen.map((session) => session.status))).toEqual(new Set(['loading']));
    exchange.resolve();
    expect(await screen.findByText(/^signed-in/)).toBeTruthy();
    expect(auth.tokenRequestCount).toBe(1);
    expect(signIn.handleCallback).toHaveBeenCalledTimes(1);
    const statuses = seen.map((session) => session.status);
    expect(statuses.filter((status) => status !== 'loading' && status !== 'signed-in')).toEqual([]);
    expect(statuses.indexOf('signed-in')).toBeGreaterThan(statuses.lastIndexOf('loading'));
    expect(seen.every((session) => session.error === undefined)).toBe(true);
  });

  it('keeps status signed-in through a background refresh, with one refresh after StrictMode and a remount', async () => {
    vi.useFakeTimers({ now: clock.now(), toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const tokens = manager({ refreshInBackground: backgroundRefresh() });
      await tokens.setTokens(await auth.issueTokens());
      const seen: Session[] = [];
      // StrictMode mounts twice, and the app is unmounted and mounted again: still one timer, one refresh.
      const tree = () => h(StrictMode, null, h(TesseraProvider, { tokens }, h(SessionProbe, { seen })));
      render(tree()).unmount();
      render(tree());
      await act(() => tokens.ready());
      const before = tokens.peekTokens();
      const refreshed = new Promise<void>((resolve) =>
        tokens.subscribe((event) => event.type === 'refreshed' && resolve()),
      );
      clock.advance(3_600_000);
      await act(async () => {
        await vi.runOnlyPendingTimersAsync();
        await refreshed;
      });
      expect(tokens.peekTokens()).not.toBe(before);
      expect(auth.tokenRequestCount).toBe(1);
      expect(seen.at(-1)?.tokens).toEqual(withoutRefreshToken(tokens.peekTokens()));
      expect(new Set(seen.map((session) => session.status))).toEqual(new Set(['signed-in']));
    } finally {
      vi.useRealTimers();
    }
  });

  it('updates every component when one of them re-rendered between the change of the manager and its event', async () => {
    // The manager holds a new set at once and says so once storage has it: a render in between
    // (here: a component with its own state) reads the new snapshot before the event arrives.
    const written = deferred<void>();
    const tokens = manager({
      storage: { get: () => undefined, set: () => written.promise, remove: () => {} },
    });
    const busy: { bump?: () => void } = {};
    render(h(TesseraProvider, { tokens }, h(BusyProbe, { control: busy }), h(SessionProbe, { seen: [] })));
    await act(() => tokens.ready());
    expect(screen.getByTestId('status').textContent).toBe('signed-out ');
    let signedIn!: Promise<unknown>;
    await act(async () => {
      signedIn = tokens.setTokens(await auth.issueTokens());
    });
    act(() => busy.bump?.());
    await act(async () => {
      written.resolve();
      await signedIn;
    });
    expect(screen.getByTestId('busy').textContent).toBe('signed-in 1');
    expect(screen.getByTestId('status').textContent).toBe('signed-in ');
  });

  it('never hands the refresh token to components (React devtools, serialized app state)', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const seen: Session[] = [];
    render(h(TesseraProvider, { tokens }, h(SessionProbe, { seen })));
    await screen.findByText(/^signed-in/);
    const { accessToken, refreshToken } = tokens.peekTokens()!;
    expect(seen.at(-1)?.tokens?.accessToken).toBe(accessToken);
    expect(JSON.stringify(seen)).not.toContain(refreshToken);
  });

  it('hydrates the server HTML (loading) without a mismatch, then shows the session', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const app = () => h(TesseraProvider, { tokens }, h(SessionProbe, { seen: [] }));
    const container = document.createElement('div');
    container.innerHTML = renderToString(app());
    expect(container.textContent).toBe('loading ');
    const errors = vi.spyOn(console, 'error');
    const root = await act(async () => hydrateRoot(container, app()));
    expect(container.textContent).toBe('signed-in ');
    expect(errors).not.toHaveBeenCalled();
    errors.mockRestore();
    act(() => root.unmount());
  });

  it('warns about nothing in React development checks (no uncached getSnapshot, no act warnings)', async () => {
    const errors = vi.spyOn(console, 'error');
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    render(h(StrictMode, null, h(TesseraProvider, { tokens }, h(SessionProbe, { seen: [] }))));
    await screen.findByText(/^signed-in/);
    expect(errors).not.toHaveBeenCalled();
    errors.mockRestore();
  });

  it('renders a sign-in that failed with NaN once: getSnapshot stays cached, no React warning', async () => {
    const errors = vi.spyOn(console, 'error');
    const signIn = fakeSignIn(() => Promise.reject(Number.NaN));
    const seen: Session[] = [];
    render(h(StrictMode, null, h(TesseraProvider, { tokens: manager(), signIn }, h(SessionProbe, { seen }))));
    await screen.findByText(/^signed-out/);
    expect(Number.isNaN((seen.at(-1)!.error as Error).cause)).toBe(true);
    expect(new Set(seen).size).toBe(2);
    expect(errors).not.toHaveBeenCalled();
    errors.mockRestore();
  });

  it('throws a message naming the missing provider when used outside one', () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => render(h(SessionProbe, { seen: [] }))).toThrow('no <TesseraProvider> above');
    errors.mockRestore();
  });
});

/** Collects what the hooks return and runs `effect` in an effect that depends on the getter. */
function EffectCaller(props: {
  getters: Set<unknown>;
  managers: Set<unknown>;
  effect: (getter: unknown) => void;
}) {
  const getAccessToken = useGetAccessToken();
  const session = useSession();
  props.getters.add(getAccessToken);
  props.managers.add(useTokenManager());
  const { effect } = props;
  useEffect(() => effect(getAccessToken), [getAccessToken, effect]);
  return h('p', null, session.status);
}

/** Counts its renders and hands out the getter. */
function CountingCaller(props: { counter: { renders: number; getAccessToken?: () => Promise<string> } }) {
  props.counter.renders += 1;
  props.counter.getAccessToken = useGetAccessToken();
  return h('p', null, useSession().status);
}

describe('useGetAccessToken and useTokenManager', () => {
  it('return the same function and manager on every render; an effect depending on them runs once', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const getters = new Set<unknown>();
    const managers = new Set<unknown>();
    const effect = vi.fn();
    const tree = () =>
      h(StrictMode, null, h(TesseraProvider, { tokens }, h(EffectCaller, { getters, managers, effect })));
    const { rerender } = render(tree());
    await screen.findByText('signed-in');
    rerender(tree());
    expect(getters.size).toBe(1);
    expect([...managers]).toEqual([tokens]);
    // StrictMode runs a mount effect twice by design; it never runs again on re-render.
    expect(effect.mock.calls.length).toBe(2);
    expect(new Set(effect.mock.calls.map(([getter]) => getter)).size).toBe(1);
  });

  it('10 token calls on an unchanged session add no renders and no token request', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const counter: { renders: number; getAccessToken?: () => Promise<string> } = { renders: 0 };
    render(h(TesseraProvider, { tokens }, h(CountingCaller, { counter })));
    await screen.findByText('signed-in');
    const before = counter.renders;
    await act(async () => {
      const values = await Promise.all(Array.from({ length: 10 }, () => counter.getAccessToken!()));
      expect(new Set(values)).toEqual(new Set([tokens.peekTokens()?.accessToken]));
    });
    expect(counter.renders).toBe(before);
    expect(auth.tokenRequestCount).toBe(0);
  });
});
