import { NetworkError, OAuthError, refreshTokenGrant, TokenManager } from '@tessera/core';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  deferred,
  fakeSignIn,
  setupAuthServer,
  tabStorage,
  trackSubscriptions,
  unsignedJwt,
  withoutRefreshToken,
} from '../../test/session-support.js';
import { createSignIn } from '../sign-in/create-sign-in.js';
import type { Session } from './session.js';
import { createSessionStore, loadingSession } from './session-store.js';
import type { SessionCallbackResult as CallbackResult } from './sign-in-like.js';

const { auth, clock, manager } = setupAuthServer();

/**
 * Subscribes and records every distinct snapshot, the first one included: what a framework renders
 * (a listener is called for every event, and React and Vue compare the snapshot before rendering).
 */
function record(store: ReturnType<typeof createSessionStore>): { seen: Session[]; stop: () => void } {
  const seen: Session[] = [store.getSnapshot()];
  const stop = store.subscribe(() => {
    const next = store.getSnapshot();
    if (next !== seen.at(-1)) seen.push(next);
  });
  return { seen, stop };
}

const statuses = (seen: Session[]) => seen.map((session) => session.status);

describe('createSessionStore', () => {
  it('returns the same frozen snapshot object until something it shows changes', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const store = createSessionStore(tokens);
    const first = store.getSnapshot();
    expect(store.getSnapshot()).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first).toMatchObject({ status: 'signed-in', tokens: withoutRefreshToken(tokens.peekTokens()) });
  });

  it('starts loading, touches nothing and subscribes to nothing before subscribe()', () => {
    const tokens = new TokenManager({ fetchTokens: vi.fn() });
    const ready = vi.spyOn(tokens, 'ready');
    const counts = trackSubscriptions(tokens);
    const signIn = fakeSignIn(async () => ({ status: 'not-a-callback' }));
    const store = createSessionStore(tokens, signIn);
    expect(store.getSnapshot()).toBe(loadingSession);
    expect(counts.subscribes).toBe(0);
    expect(ready).not.toHaveBeenCalled();
    expect(signIn.handleCallback).not.toHaveBeenCalled();
  });

  it('goes loading → signed-out when storage is empty, and subscribes to the manager once for many listeners', async () => {
    const tokens = manager();
    const counts = trackSubscriptions(tokens);
    const store = createSessionStore(tokens);
    const { seen } = record(store);
    const others = [store.subscribe(() => {}), store.subscribe(() => {})];
    await store.ready();
    expect(statuses(seen)).toEqual(['loading', 'signed-out']);
    expect(counts.subscribes).toBe(1);
    for (const stop of others) stop();
    expect(counts.active()).toBe(1);
  });

  it('unsubscribes from the manager when the last listener leaves, and again only once', async () => {
    const tokens = manager();
    const counts = trackSubscriptions(tokens);
    const store = createSessionStore(tokens);
    const stopA = store.subscribe(() => {});
    const stopB = store.subscribe(() => {});
    stopA();
    expect(counts.active()).toBe(1);
    stopB();
    stopB();
    expect(counts).toMatchObject({ subscribes: 1, unsubscribes: 1 });
  });

  it('never shows signed-out between loading and signed-in while a callback is pending', async () => {
    const tokens = manager();
    const callback = deferred<CallbackResult>();
    const signIn = fakeSignIn(() => callback.promise);
    const store = createSessionStore(tokens, signIn);
    const { seen } = record(store);
    await tokens.ready(); // storage read finished, nothing stored: still loading, the callback is pending
    expect(statuses(seen)).toEqual(['loading']);
    await tokens.setTokens(await auth.issueTokens()); // what the callback does
    expect(store.getSnapshot().status).toBe('loading');
    callback.resolve({ status: 'handled' });
    await store.ready();
    expect(statuses(seen)).toEqual(['loading', 'signed-in']);
  });

  it('calls handleCallback once however many listeners come and go, and onReturn once with returnTo', async () => {
    const tokens = manager();
    const onReturn = vi.fn();
    const signIn = fakeSignIn(async () => {
      await tokens.setTokens(await auth.issueTokens());
      return { status: 'handled', returnTo: '/orders?page=2#top' };
    });
    const store = createSessionStore(tokens, signIn, onReturn);
    store.subscribe(() => {})();
    store.subscribe(() => {})();
    const stop = store.subscribe(() => {});
    await store.ready();
    expect(signIn.handleCallback).toHaveBeenCalledTimes(1);
    expect(onReturn).toHaveBeenCalledTimes(1);
    expect(onReturn).toHaveBeenCalledWith('/orders?page=2#top');
    expect(store.getSnapshot().status).toBe('signed-in');
    stop();
  });

  it.each([
    [
      'throws',
      () => {
        throw new Error('navigate failed');
      },
    ],
    ['rejects', () => Promise.reject(new Error('navigate failed'))],
  ])(
    'stays signed in when onReturn %s, and reports its error as an uncaught error, never by rejecting ready()',
    async (_, onReturn) => {
      const reported = deferred<unknown>();
      const reportError = vi.fn(reported.resolve);
      vi.stubGlobal('reportError', reportError);
      try {
        const tokens = manager();
        const signIn = fakeSignIn(async () => {
          await tokens.setTokens(await auth.issueTokens());
          return { status: 'handled', returnTo: '/orders' };
        });
        const store = createSessionStore(tokens, signIn, onReturn as (returnTo: string) => void);
        const { seen, stop } = record(store);
        await expect(store.ready()).resolves.toBeUndefined();
        expect(await reported.promise).toMatchObject({ message: 'navigate failed' });
        expect(reportError).toHaveBeenCalledTimes(1);
        expect(statuses(seen)).toEqual(['loading', 'signed-in']);
        expect(store.getSnapshot().error).toBeUndefined();
        stop();
      } finally {
        vi.unstubAllGlobals();
      }
    },
  );

  it('reports a throwing onReturn with console.error where there is no reportError (Node, jsdom), never as an unhandled rejection', async () => {
    vi.stubGlobal('reportError', undefined);
    const outcome = deferred<[string, unknown]>();
    const errors = vi
      .spyOn(console, 'error')
      .mockImplementation((reported) => outcome.resolve(['console.error', reported]));
    const unhandled = (reason: unknown) => outcome.resolve(['unhandled rejection', reason]);
    process.on('unhandledRejection', unhandled);
    try {
      const tokens = manager();
      const failure = new Error('navigate failed');
      const signIn = fakeSignIn(async () => {
        await tokens.setTokens(await auth.issueTokens());
        return { status: 'handled', returnTo: '/orders' };
      });
      const store = createSessionStore(tokens, signIn, () => {
        throw failure;
      });
      const stop = store.subscribe(() => {});
      await expect(store.ready()).resolves.toBeUndefined();
      expect(await outcome.promise).toEqual(['console.error', failure]);
      expect(errors).toHaveBeenCalledTimes(1);
      expect(store.getSnapshot().status).toBe('signed-in');
      stop();
    } finally {
      process.off('unhandledRejection', unhandled);
      errors.mockRestore();
      vi.unstubAllGlobals();
    }
  });

  it('never calls onReturn when its last listener left while the callback was pending (provider or app replaced)', async () => {
    const tokens = manager();
    const callback = deferred<CallbackResult>();
    const onReturn = vi.fn();
    const store = createSessionStore(
      tokens,
      fakeSignIn(() => callback.promise),
      onReturn,
    );
    const { seen, stop } = record(store);
    stop();
    await tokens.setTokens(await auth.issueTokens());
    callback.resolve({ status: 'handled', returnTo: '/orders' });
    await store.ready();
    expect(onReturn).not.toHaveBeenCalled();
    expect(statuses(seen)).toEqual(['loading']);
  });

  it('calls onReturn when ready() settles before anything subscribed (a router guard before mount())', async () => {
    const tokens = manager();
    const onReturn = vi.fn();
    const signIn = fakeSignIn(async () => {
      await tokens.setTokens(await auth.issueTokens());
      return { status: 'handled', returnTo: '/orders' };
    });
    const store = createSessionStore(tokens, signIn, onReturn);
    await store.ready();
    expect(onReturn.mock.calls).toEqual([['/orders']]);
    store.subscribe(() => {})();
  });

  it('shows a callback error as signed-out with the error (guards do not restart sign-in from it)', async () => {
    const tokens = manager();
    const denied = new OAuthError(
      { error: 'access_denied', errorDescription: 'The user cancelled', status: 302 },
      'callback',
    );
    const store = createSessionStore(
      tokens,
      fakeSignIn(async () => ({ status: 'error', error: denied })),
    );
    const { seen } = record(store);
    await store.ready();
    expect(statuses(seen)).toEqual(['loading', 'signed-out']);
    expect(store.getSnapshot().error).toBe(denied);
  });

  it('stays loading while handleCallback reports it is navigating, and ready() does not resolve', async () => {
    const tokens = manager();
    const store = createSessionStore(
      tokens,
      fakeSignIn(async () => ({ status: 'navigating' })),
    );
    const { seen } = record(store);
    const settled = vi.fn();
    store.ready().then(settled);
    await new Promise((resolve) => setImmediate(resolve));
    expect(statuses(seen)).toEqual(['loading']);
    expect(settled).not.toHaveBeenCalled();
  });

  it('leaves loading when Back restores the page from the bfcache (pageshow persisted): signed-out, or signed-in with the set the manager holds', async () => {
    const page = new EventTarget();
    vi.stubGlobal('addEventListener', page.addEventListener.bind(page));
    vi.stubGlobal('removeEventListener', page.removeEventListener.bind(page));
    onTestFinished(() => {
      vi.unstubAllGlobals();
    });
    const pageshow = (persisted: boolean) =>
      page.dispatchEvent(Object.assign(new Event('pageshow'), { persisted }));
    const out = createSessionStore(
      manager(),
      fakeSignIn(async () => ({ status: 'navigating' })),
    );
    const signedIn = manager();
    await signedIn.setTokens(await auth.issueTokens());
    const inside = createSessionStore(
      signedIn,
      fakeSignIn(async () => ({ status: 'navigating' })),
    );
    const [a, b] = [record(out), record(inside)];
    const settled = vi.fn();
    void out.ready().then(settled);
    await new Promise((resolve) => setImmediate(resolve));
    pageshow(false); // the first load's own pageshow
    await new Promise((resolve) => setImmediate(resolve));
    expect(statuses(a.seen)).toEqual(['loading']);
    expect(statuses(b.seen)).toEqual(['loading']);
    pageshow(true);
    await Promise.all([out.ready(), inside.ready()]);
    expect(settled).toHaveBeenCalledTimes(1);
    expect(statuses(a.seen)).toEqual(['loading', 'signed-out']);
    expect(a.seen.at(-1)?.error).toBeUndefined();
    expect(statuses(b.seen)).toEqual(['loading', 'signed-in']);
  });

  it('leaves loading when Back comes while the manager still reads storage after handleCallback said navigating', async () => {
    const page = new EventTarget();
    vi.stubGlobal('addEventListener', page.addEventListener.bind(page));
    vi.stubGlobal('removeEventListener', page.removeEventListener.bind(page));
    onTestFinished(() => {
      vi.unstubAllGlobals();
    });
    const tokens = manager();
    let read!: () => void;
    vi.spyOn(tokens, 'ready').mockReturnValue(
      new Promise((resolve) => {
        read = () => resolve(undefined);
      }),
    );
    const store = createSessionStore(
      tokens,
      fakeSignIn(async () => ({ status: 'navigating' })),
    );
    const { seen } = record(store);
    await new Promise((resolve) => setImmediate(resolve));
    page.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
    read();
    await store.ready();
    expect(statuses(seen)).toEqual(['loading', 'signed-out']);
  });

  it('leaves loading, signed-out with the error, when the start() it waits for after navigating fails (no Back comes)', async () => {
    const page = new EventTarget();
    vi.stubGlobal('addEventListener', page.addEventListener.bind(page));
    vi.stubGlobal('removeEventListener', page.removeEventListener.bind(page));
    vi.stubGlobal('location', new URL('https://app.example.test/orders'));
    onTestFinished(() => {
      vi.unstubAllGlobals();
    });
    const tokens = manager();
    const offline = deferred<void>();
    const navigate = vi.fn();
    const signIn = createSignIn({
      issuer: auth.issuer,
      clientId: 'web',
      redirectUri: 'https://app.example.test/callback',
      tokens,
      navigate,
      clock: clock.now,
      // Discovery fails once the store waits.
      fetch: async () => {
        await offline.promise;
        throw new TypeError('fetch failed');
      },
    });
    // Started before the store (the app at boot, or an earlier mount's `<RequireSession>`).
    const started = signIn.start({ returnTo: '/orders' }).catch((reason: unknown) => reason);
    const store = createSessionStore(tokens, signIn);
    const { seen } = record(store);
    await new Promise((resolve) => setImmediate(resolve));
    expect(statuses(seen)).toEqual(['loading']);
    offline.resolve();
    await store.ready();
    const failure = await started;
    expect(failure).toBeInstanceOf(NetworkError);
    expect(statuses(seen)).toEqual(['loading', 'signed-out']);
    expect(seen.at(-1)?.error).toBe(failure);
    expect(navigate).not.toHaveBeenCalled();
    // Back never comes; a later pageshow changes nothing.
    page.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
    expect(store.getSnapshot()).toBe(seen.at(-1));
  });

  it('a navigation that rejects with nothing settles as signed-out with SIGN_IN_FAILED (no addEventListener: Node)', async () => {
    const store = createSessionStore(
      manager(),
      fakeSignIn(async () => ({ status: 'navigating', navigation: Promise.reject() })),
    );
    const { seen } = record(store);
    await store.ready();
    expect(statuses(seen)).toEqual(['loading', 'signed-out']);
    expect(seen.at(-1)?.error).toMatchObject({ code: 'SIGN_IN_FAILED', cause: undefined });
  });

  it('a handleCallback that throws settles as signed-out with that error', async () => {
    const failure = new Error('storage unavailable');
    const store = createSessionStore(
      manager(),
      fakeSignIn(() => Promise.reject(failure)),
    );
    record(store);
    await store.ready();
    expect(store.getSnapshot()).toMatchObject({ status: 'signed-out', error: failure });
  });

  it('keeps status signed-in through a background refresh and its failures; only tokens change', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const store = createSessionStore(tokens);
    const { seen } = record(store);
    await store.ready();
    clock.advance(3_600_000);
    auth.failNextTokenRequests(1, { status: 503 });
    await expect(tokens.getAccessToken()).rejects.toThrow();
    await tokens.getAccessToken();
    expect(auth.tokenRequestCount).toBe(2);
    expect(statuses(seen)).toEqual(['signed-in', 'signed-in']);
    expect(seen[1]?.tokens).not.toBe(seen[0]?.tokens);
    expect(seen[1]?.tokens).toEqual(withoutRefreshToken(tokens.peekTokens()));
  });

  it('adds no snapshot for getAccessToken() calls on an unchanged session', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const store = createSessionStore(tokens);
    const { seen } = record(store);
    await store.ready();
    await Promise.all(Array.from({ length: 10 }, () => tokens.getAccessToken()));
    expect(seen).toHaveLength(1);
    expect(auth.tokenRequestCount).toBe(0);
  });

  it('goes signed-in → ended with the invalid_grant OAuthError, never through signed-out', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const store = createSessionStore(tokens);
    const { seen } = record(store);
    await store.ready();
    auth.revokeAll();
    clock.advance(3_600_000);
    const refused = await tokens.getAccessToken().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OAuthError);
    expect(statuses(seen)).not.toContain('signed-out');
    expect(seen.at(-1)).toMatchObject({ status: 'ended', error: refused });
    expect(refused).toMatchObject({ error: 'invalid_grant' });
  });

  it('goes back to signed-in on a new sign-in after ended, and to signed-out (no error) on clear()', async () => {
    const tokens = manager();
    const store = createSessionStore(tokens);
    record(store);
    await store.ready();
    await tokens.setTokens(await auth.issueTokens());
    auth.revokeAll();
    clock.advance(3_600_000);
    await tokens.getAccessToken().catch(() => {});
    expect(store.getSnapshot().status).toBe('ended');
    await tokens.setTokens(await auth.issueTokens());
    expect(store.getSnapshot().status).toBe('signed-in');
    await tokens.clear();
    expect(store.getSnapshot()).toEqual({ status: 'signed-out', error: undefined });
  });

  it('shows ended without an error, never signed-out, when another tab removed the set; clear() then shows signed-out', async () => {
    const storage = tabStorage();
    const tokens = manager({ storage });
    await tokens.setTokens(await auth.issueTokens());
    const store = createSessionStore(tokens);
    const { seen } = record(store);
    await store.ready();
    storage.removeInOtherTab();
    expect(statuses(seen)).toEqual(['signed-in', 'ended']);
    expect(seen.at(-1)).toEqual({ status: 'ended', error: undefined });
    await tokens.setTokens(await auth.issueTokens());
    expect(store.getSnapshot().status).toBe('signed-in');
    storage.removeInOtherTab();
    expect(store.getSnapshot().status).toBe('ended');
    await tokens.clear();
    expect(store.getSnapshot()).toEqual({ status: 'signed-out', error: undefined });
    expect(auth.tokenRequestCount).toBe(0);
  });

  it('a store created later over the same manager (a provider remounted) starts from the last outcome: ended, or the failed sign-in, until clear()', async () => {
    const storage = tabStorage();
    const tokens = manager({ storage });
    await tokens.setTokens(await auth.issueTokens());
    const first = createSessionStore(tokens);
    const { stop } = record(first);
    await first.ready();
    storage.removeInOtherTab();
    stop();
    const second = createSessionStore(tokens);
    await second.ready();
    expect(second.getSnapshot()).toEqual({ status: 'ended', error: undefined });
    const denied = new OAuthError({ error: 'access_denied', status: 302 }, 'authorization response');
    const third = createSessionStore(
      tokens,
      fakeSignIn(async () => ({ status: 'error', error: denied })),
    );
    await third.ready();
    expect(third.getSnapshot()).toEqual({ status: 'signed-out', error: denied });
    const fourth = createSessionStore(tokens);
    const { seen } = record(fourth);
    await fourth.ready();
    expect(fourth.getSnapshot().error).toBe(denied);
    await tokens.clear();
    expect(seen.at(-1)).toEqual({ status: 'signed-out', error: undefined });
    expect(createSessionStore(tokens).getSnapshot()).toBe(loadingSession);
    const fifth = createSessionStore(tokens);
    await fifth.ready();
    expect(fifth.getSnapshot()).toEqual({ status: 'signed-out', error: undefined });
    expect(auth.tokenRequestCount).toBe(0);
  });

  it('decodes claims once per ID token: a refresh with the same ID token keeps the same claims object', async () => {
    const tokens = manager();
    const idToken = unsignedJwt({ sub: 'zoë', name: 'Zoë Ångström 山田' });
    await tokens.setTokens({ access_token: 'a1', expires_in: 60, id_token: idToken });
    const store = createSessionStore(tokens);
    record(store);
    const before = store.getSnapshot();
    expect(before.claims).toMatchObject({ sub: 'zoë', name: 'Zoë Ångström 山田' });
    await tokens.setTokens({ access_token: 'a2', expires_in: 60, id_token: idToken });
    const after = store.getSnapshot();
    expect(after).not.toBe(before);
    expect(after.claims).toBe(before.claims);
  });

  it('a failed startSignIn() becomes the error of the signed-out snapshot', async () => {
    const refused = new Error('discovery failed');
    const signIn = { start: vi.fn(() => Promise.reject(refused)) };
    const store = createSessionStore(manager(), signIn);
    const { seen } = record(store);
    await store.ready();
    store.startSignIn('/account');
    await vi.waitFor(() => expect(seen.at(-1)?.error).toBe(refused));
    expect(signIn.start).toHaveBeenCalledWith({ returnTo: '/account' });
    expect(seen.at(-1)?.status).toBe('signed-out');
  });

  it('a start() that throws synchronously fails as a rejection does: startSignIn() never throws', async () => {
    const misconfigured = new TypeError('createSignIn(): redirectUri must be absolute');
    const signIn = {
      start: vi.fn((): Promise<unknown> => {
        throw misconfigured;
      }),
    };
    const store = createSessionStore(manager(), signIn);
    const { seen } = record(store);
    await store.ready();
    expect(() => store.startSignIn('/account')).not.toThrow();
    await vi.waitFor(() => expect(seen.at(-1)).toEqual({ status: 'signed-out', error: misconfigured }));
    expect(signIn.start).toHaveBeenCalledTimes(1);
  });

  it('a start() that returns no promise (a bare test double) neither throws nor fails the session', async () => {
    const signIn = { start: vi.fn() as unknown as () => Promise<unknown> };
    const store = createSessionStore(manager(), signIn);
    const { seen } = record(store);
    await store.ready();
    expect(() => store.startSignIn('/account')).not.toThrow();
    await Promise.resolve();
    await Promise.resolve();
    expect(seen.at(-1)).toEqual({ status: 'signed-out', error: undefined });
    expect(signIn.start).toHaveBeenCalledWith({ returnTo: '/account' });
  });

  it('shows ended, never signed-out, while an ended session is still being removed from storage', async () => {
    const removeArrived = deferred<void>();
    const removeDone = deferred<void>();
    let stored: unknown;
    const tokens = manager({
      storage: {
        get: () => stored,
        set: (value) => {
          stored = value;
        },
        remove: async () => {
          removeArrived.resolve();
          await removeDone.promise;
          stored = undefined;
        },
      },
    });
    await tokens.setTokens(await auth.issueTokens());
    const store = createSessionStore(tokens);
    const { seen } = record(store);
    await store.ready();
    auth.revokeAll();
    clock.advance(3_600_000);
    const refused = tokens.getAccessToken().catch((error: unknown) => error);
    await removeArrived.promise;
    expect(tokens.peekTokens()).toBeUndefined();
    const meanwhile = store.getSnapshot();
    expect(meanwhile).toMatchObject({ status: 'ended', error: { error: 'invalid_grant' } });
    removeDone.resolve();
    expect(meanwhile.error).toBe(await refused);
    expect(store.getSnapshot()).toBe(meanwhile);
    expect(statuses(seen)).not.toContain('signed-out');
  });

  it('does not show ended for an invalid_grant that arrives after clear()', async () => {
    // clear() once the token request is on its way (a clear() before it means no request at all).
    let requested!: () => void;
    const onItsWay = new Promise<void>((resolve) => {
      requested = resolve;
    });
    const grant = refreshTokenGrant({ tokenUrl: auth.tokenUrl, clientId: 'web' });
    const tokens = manager({
      fetchTokens: (context) => {
        requested();
        return grant(context);
      },
    });
    await tokens.setTokens(await auth.issueTokens());
    const store = createSessionStore(tokens);
    record(store);
    await store.ready();
    auth.revokeAll();
    clock.advance(3_600_000);
    const refused = tokens.getAccessToken().catch((error: unknown) => error);
    await onItsWay;
    await tokens.clear();
    expect(await refused).toMatchObject({ error: 'invalid_grant' });
    expect(store.getSnapshot()).toEqual({ status: 'signed-out', error: undefined });
  });

  it('a failed startSignIn() after the session ended shows signed-out with the start error', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const unreachable = new Error('discovery unreachable');
    const store = createSessionStore(tokens, { start: () => Promise.reject(unreachable) });
    const { seen } = record(store);
    await store.ready();
    auth.revokeAll();
    clock.advance(3_600_000);
    await tokens.getAccessToken().catch(() => {});
    expect(store.getSnapshot().status).toBe('ended');
    store.startSignIn('/account');
    await vi.waitFor(() => expect(seen.at(-1)).toEqual({ status: 'signed-out', error: unreachable }));
  });

  it('ignores event types it does not know: the same snapshot object, nothing new to render', async () => {
    const tokens = manager();
    const listeners: Array<(event: never) => void> = [];
    const subscribe = tokens.subscribe.bind(tokens);
    tokens.subscribe = (listener) => {
      listeners.push(listener as (event: never) => void);
      return subscribe(listener);
    };
    await tokens.setTokens(await auth.issueTokens());
    const store = createSessionStore(tokens);
    const { seen } = record(store);
    await store.ready();
    for (const listener of listeners) listener({ type: 'some_future_event', tokens: null } as never);
    expect(seen).toHaveLength(1);
    expect(store.getSnapshot()).toBe(seen[0]);
  });
  it('keeps the refresh token out of the snapshot (devtools, JSON of app state) and the set of the manager out of reach', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const set = tokens.peekTokens()!;
    const store = createSessionStore(tokens);
    const snapshot = store.getSnapshot();
    expect(set.refreshToken).toBeTruthy();
    expect(JSON.stringify(snapshot)).not.toContain(set.refreshToken);
    expect(snapshot.tokens).toEqual(withoutRefreshToken(set));
    // A frozen copy: writing to it throws (strict mode) and never changes what the manager sends.
    expect(() => {
      (snapshot.tokens as { accessToken: string }).accessToken = 'forged';
    }).toThrow(TypeError);
    expect(tokens.peekTokens()).toBe(set);
    expect(set.accessToken).not.toBe('forged');
    await tokens.clear();
    await tokens.setTokens(await auth.issueTokens());
    const next = store.getSnapshot();
    expect(JSON.stringify(next)).not.toContain(tokens.peekTokens()!.refreshToken);
  });

  it('tells its listeners of a change that a getSnapshot() (a render, a guard) read before the event of the manager', async () => {
    const written = deferred<void>();
    const tokens = manager({
      storage: { get: () => undefined, set: () => written.promise, remove: () => {} },
    });
    const store = createSessionStore(tokens);
    await store.ready();
    const shown: Session[] = [];
    store.subscribe(() => shown.push(store.getSnapshot()));
    // The manager holds the new set at once and says `tokens_set` once storage has it.
    const signedIn = tokens.setTokens(await auth.issueTokens());
    const read = store.getSnapshot();
    expect(read.status).toBe('signed-in');
    written.resolve();
    await signedIn;
    expect(shown.at(-1)).toBe(read);
  });
});
