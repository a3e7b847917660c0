// @vitest-environment jsdom
import {
  type SessionCallbackResult as CallbackResult,
  createSignIn,
  OAuthError,
  type SessionStatus,
  type TokenManager,
} from '@tessera/core';
import { cleanup, render, screen } from '@testing-library/vue';
import { createPinia, defineStore } from 'pinia';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  computed,
  createApp,
  defineComponent,
  h,
  isReadonly,
  markRaw,
  nextTick,
  reactive,
  version,
  watch,
} from 'vue';
import {
  deferred,
  fakeSignIn,
  setupAuthServer,
  signInAt,
  tabStorage,
  trackSubscriptions,
  unsignedJwt,
} from '../../core/test/session-support.js';
import { createSessionGuard } from './create-session-guard.js';
import { createTessera } from './tessera.js';
import { type SessionRefs, useSession } from './use-session.js';
import { useTessera } from './use-tessera.js';

const { auth, clock, manager } = setupAuthServer();
afterEach(cleanup);

const Status = defineComponent({
  setup() {
    const { status, claims } = useSession();
    const label = computed(() => `${status.value} ${String(claims.value?.name ?? '')}`.trim());
    return () => h('p', { 'data-testid': 'status' }, label.value);
  },
});

/** A component that hands out the refs `useSession()` gave it. */
function capturing(holder: { refs?: SessionRefs }) {
  return defineComponent({
    setup() {
      holder.refs = useSession();
      return () => h(Status);
    },
  });
}

/** `Status` mounted in an app using `tessera`, once the session has settled and the page shows it. */
async function mountStatus(tessera: ReturnType<typeof createTessera>) {
  const host = document.createElement('div');
  const app = createApp(Status).use(tessera);
  app.mount(host);
  await tessera.ready();
  await nextTick();
  return { host, app };
}

describe('createTessera', () => {
  it('subscribes once per app however many components use useSession(), and unsubscribes on unmount', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const counts = trackSubscriptions(tokens);
    const tessera = createTessera({ tokens });
    const Many = defineComponent({ setup: () => () => [h(Status), h(Status), h(Status)] });
    const { unmount } = render(Many, { global: { plugins: [tessera] } });
    await tessera.ready();
    await nextTick();
    expect(screen.getAllByTestId('status').map((p) => p.textContent)).toEqual([
      'signed-in',
      'signed-in',
      'signed-in',
    ]);
    expect(counts).toMatchObject({ subscribes: 1, unsubscribes: 0 });
    unmount();
    // Vue 3.4 too: the plugin wraps `app.unmount()` (3.4 has no `app.onUnmount`).
    expect(counts.active()).toBe(0);
  });

  it('installed twice in one app subscribes once, completes the callback once and unsubscribes on unmount', async () => {
    const tokens = manager();
    const counts = trackSubscriptions(tokens);
    const signIn = fakeSignIn(async (): Promise<CallbackResult> => {
      await signInAt(auth, tokens);
      return { status: 'handled' };
    });
    const tessera = createTessera({ tokens, signIn });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const app = createApp(Status).use(tessera).use(tessera);
    app.mount(document.createElement('div'));
    await tessera.ready();
    expect(signIn.handleCallback).toHaveBeenCalledTimes(1);
    expect(auth.tokenRequestCount).toBe(1);
    expect(counts).toMatchObject({ subscribes: 1, unsubscribes: 0 });
    app.unmount();
    expect(counts.active()).toBe(0);
    warn.mockRestore();
  });

  it('updates a computed on status right after the callback resolves, never showing signed-out before', async () => {
    const tokens = manager();
    const callback = deferred<CallbackResult>();
    const signIn = fakeSignIn(() => callback.promise);
    const tessera = createTessera({ tokens, signIn });
    const seen: SessionStatus[] = [];
    const Probe = defineComponent({
      setup() {
        const { status } = useSession();
        watch(status, (value) => seen.push(value), { immediate: true, flush: 'sync' });
        return () => h(Status);
      },
    });
    render(Probe, { global: { plugins: [tessera] } });
    await tokens.ready();
    await tokens.setTokens({
      access_token: 'a',
      expires_in: 300,
      id_token: unsignedJwt({ name: 'Zoë 山田' }),
    });
    await nextTick();
    expect(screen.getByTestId('status').textContent).toBe('loading');
    callback.resolve({ status: 'handled' });
    expect(await screen.findByText('signed-in Zoë 山田')).toBeTruthy();
    expect(seen).toEqual(['loading', 'signed-in']);
    expect(signIn.handleCallback).toHaveBeenCalledTimes(1);
  });

  it('gives read-only refs: writing one changes nothing', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const tessera = createTessera({ tokens });
    const holder: { refs?: SessionRefs } = {};
    render(capturing(holder), { global: { plugins: [tessera] } });
    await tessera.ready();
    const refs = holder.refs!;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(isReadonly(refs.status)).toBe(true);
    (refs.status as unknown as { value: string }).value = 'signed-out';
    expect(refs.status.value).toBe('signed-in');
    expect(Object.isFrozen(tessera.session.value)).toBe(true);
    warn.mockRestore();
  });

  it('gives a read-only tessera.session: a write is ignored with a dev warning, never shown to the app', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const tessera = createTessera({ tokens });
    render(Status, { global: { plugins: [tessera] } });
    await tessera.ready();
    const shown = tessera.session.value;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(isReadonly(tessera.session)).toBe(true);
    // This module is strict mode: the write does not throw, it is ignored.
    (tessera.session as unknown as { value: unknown }).value = { status: 'signed-out' };
    expect(tessera.session.value).toBe(shown);
    await nextTick();
    expect(screen.getByTestId('status').textContent).toBe('signed-in');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toContain('Set operation on key "value" failed: target is readonly.');
    warn.mockRestore();
    // The plugin still updates it.
    await tokens.clear();
    await nextTick();
    expect(tessera.session.value.status).toBe('signed-out');
    expect(screen.getByTestId('status').textContent).toBe('signed-out');
  });

  it('cannot have its session (or anything else) replaced: the plugin object is frozen', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const tessera = createTessera({ tokens });
    render(Status, { global: { plugins: [tessera] } });
    await tessera.ready();
    const session = tessera.session;
    const forged = { value: { status: 'signed-in', tokens: { accessToken: 'forged' } } };
    // This module is strict mode: replacing a property of a frozen object throws.
    expect(() => {
      (tessera as unknown as { session: unknown }).session = forged;
    }).toThrow(TypeError);
    expect(() => {
      (tessera as unknown as { tokens: unknown }).tokens = {};
    }).toThrow(TypeError);
    expect(tessera.session).toBe(session);
    expect(tessera.tokens).toBe(tokens);
    expect(Object.isFrozen(tessera)).toBe(true);
    // Vue never proxies a non-extensible object: the plugin stays raw inside reactive state.
    expect(reactive({ tessera }).tessera).toBe(tessera);
    // An app's own markRaw() of it does not throw (Vue 3.4 and 3.5 skip a non-extensible object).
    expect(markRaw(tessera)).toBe(tessera);
    await tokens.clear();
    await nextTick();
    expect(screen.getByTestId('status').textContent).toBe('signed-out');
  });

  it('works in a Pinia setup store and in reactive() state, the manager included', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const tessera = createTessera({ tokens });
    const useAccount = defineStore('account', () => {
      const { status, tokens: set } = useSession();
      const manager = useTessera().tokens;
      const signedIn = computed(() => status.value === 'signed-in');
      return { status, set, manager, signedIn };
    });
    let result: { store: ReturnType<typeof useAccount>; state: { tokens: TokenManager } } | undefined;
    const Page = defineComponent({
      setup() {
        const store = useAccount();
        const state = reactive({ tokens: useTessera().tokens, session: useSession() });
        result = { store, state: state as unknown as { tokens: TokenManager } };
        return () => h('p', null, `${store.status} ${state.session.status}`);
      },
    });
    render(Page, { global: { plugins: [createPinia(), tessera] } });
    await tessera.ready();
    expect(await screen.findByText('signed-in signed-in')).toBeTruthy();
    // A proxy around the manager would break its private fields; it is marked raw.
    expect(result?.state.tokens).toBe(tokens);
    expect(result?.store.manager).toBe(tokens);
    await expect(result?.state.tokens.getAccessToken()).resolves.toBe(tokens.peekTokens()?.accessToken);
    expect(result?.store.signedIn).toBe(true);
    await tokens.clear();
    expect(await screen.findByText('signed-out signed-out')).toBeTruthy();
    expect(result?.store.signedIn).toBe(false);
  });

  it('keeps the refresh token out of app state: JSON of a Pinia store holding the session has none', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const tessera = createTessera({ tokens });
    const pinia = createPinia();
    const useAuth = defineStore('auth', () => ({ session: useTessera().session }));
    const Page = defineComponent({
      setup() {
        const store = useAuth();
        return () => h('p', null, store.session.status);
      },
    });
    render(Page, { global: { plugins: [pinia, tessera] } });
    await tessera.ready();
    expect(await screen.findByText('signed-in')).toBeTruthy();
    const state = JSON.stringify(pinia.state.value);
    expect(state).toContain(tokens.peekTokens()!.accessToken);
    expect(state).not.toContain(tokens.peekTokens()!.refreshToken);
  });

  it('keeps tessera.session read-only inside a Pinia store: a write never reaches the app', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const tessera = createTessera({ tokens });
    const useAuth = defineStore('auth', () => ({ session: useTessera().session }));
    let store: ReturnType<typeof useAuth> | undefined;
    const Page = defineComponent({
      setup() {
        const auth = useAuth();
        store = auth;
        return () => h('p', null, auth.session.status);
      },
    });
    render(Page, { global: { plugins: [createPinia(), tessera] } });
    await tessera.ready();
    expect(await screen.findByText('signed-in')).toBeTruthy();
    const shown = tessera.session.value;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const write = () => {
      (store as unknown as { session: unknown }).session = { status: 'signed-out' };
    };
    // Through a reactive parent, Vue 3.5 ignores the write (with a warning); Vue 3.4 throws in strict mode.
    if (version.startsWith('3.4.')) expect(write).toThrow(TypeError);
    else expect(write).not.toThrow();
    warn.mockRestore();
    await nextTick();
    expect(tessera.session.value).toBe(shown);
    expect(screen.getByText('signed-in')).toBeTruthy();
  });

  it('updates the page after a sign-out during which a navigation guard read the session', async () => {
    const removed = deferred<void>();
    const tokens = manager({
      storage: { get: () => undefined, set: () => {}, remove: () => removed.promise },
    });
    await tokens.setTokens(await auth.issueTokens());
    const tessera = createTessera({ tokens });
    const { host, app } = await mountStatus(tessera);
    expect(host.textContent).toBe('signed-in');
    // The manager drops the set at once and says `cleared` once storage is empty; a navigation
    // in between runs the guard, which reads the session.
    // The plugin is frozen: the guard gets a copy whose snapshot reads are observed.
    const { getSnapshot } = tessera as unknown as { getSnapshot: () => unknown };
    const guardRead = vi.fn(getSnapshot);
    const signedOut = tokens.clear();
    void createSessionGuard({ ...tessera, getSnapshot: guardRead } as unknown as typeof tessera)({
      fullPath: '/account',
    }).catch(() => {});
    await vi.waitFor(() =>
      expect(guardRead).toHaveReturnedWith(expect.objectContaining({ status: 'signed-out' })),
    );
    removed.resolve();
    await signedOut;
    await nextTick();
    expect(host.textContent).toBe('signed-out');
    app.unmount();
  });

  it('shows ended with the invalid_grant error when the session ends', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const tessera = createTessera({ tokens });
    const holder: { refs?: SessionRefs } = {};
    render(capturing(holder), { global: { plugins: [tessera] } });
    await tessera.ready();
    const refs = holder.refs!;
    auth.revokeAll();
    clock.advance(3_600_000);
    await tokens.getAccessToken().catch(() => {});
    expect(refs.status.value).toBe('ended');
    expect(refs.error.value).toBeInstanceOf(OAuthError);
    expect(refs.error.value).toMatchObject({ error: 'invalid_grant' });
  });

  it('shows ended when another tab removes the set, then the guard starts one sign-in on the next navigation', async () => {
    const storage = tabStorage();
    const tokens = manager({ storage });
    await tokens.setTokens(await auth.issueTokens());
    const signIn = fakeSignIn(async () => ({ status: 'not-a-callback' }));
    const tessera = createTessera({ tokens, signIn });
    const { host, app } = await mountStatus(tessera);
    expect(host.textContent).toBe('signed-in');
    storage.removeInOtherTab();
    await nextTick();
    expect(host.textContent).toBe('ended');
    expect(tessera.session.value).toEqual({ status: 'ended', error: undefined });
    expect(signIn.start).not.toHaveBeenCalled();
    expect(await createSessionGuard(tessera)({ fullPath: '/account' })).toBe(false);
    expect(signIn.start.mock.calls).toEqual([[{ returnTo: '/account' }]]);
    expect(auth.tokenRequestCount).toBe(0);
    app.unmount();
  });

  it('leaves loading when Back restores the page from the bfcache while it was navigating; the guard waiting on it then decides', async () => {
    const signIn = fakeSignIn(async () => ({ status: 'navigating' }));
    const tessera = createTessera({ tokens: manager(), signIn });
    const host = document.createElement('div');
    const app = createApp(Status).use(tessera);
    app.mount(host);
    const guarded = createSessionGuard(tessera)({ fullPath: '/account' });
    await new Promise((resolve) => setTimeout(resolve));
    expect(host.textContent).toBe('loading');
    window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
    expect(await guarded).toBe(false);
    await nextTick();
    expect(host.textContent).toBe('signed-out');
    expect(signIn.start.mock.calls).toEqual([[{ returnTo: '/account' }]]);
    app.unmount();
  });

  it('shows the error when a start() begun before mount() fails while it waits after navigating; the guard waiting on it blocks and starts none', async () => {
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
    // The app starts sign-in at boot, before it mounts; no Back will come.
    const started = signIn.start().catch((reason: unknown) => reason);
    const start = vi.spyOn(signIn, 'start');
    const tessera = createTessera({ tokens, signIn });
    const host = document.createElement('div');
    const app = createApp(Status).use(tessera);
    app.mount(host);
    const guarded = createSessionGuard(tessera)({ fullPath: '/account' });
    await new Promise((resolve) => setTimeout(resolve));
    expect(host.textContent).toBe('loading');
    offline.resolve();
    expect(await guarded).toBe(false);
    await nextTick();
    expect(host.textContent).toBe('signed-out');
    const failure = await started;
    expect(failure).toMatchObject({ name: 'NetworkError' });
    expect(tessera.session.value).toEqual({ status: 'signed-out', error: failure });
    expect(start).not.toHaveBeenCalled();
    expect(navigate).not.toHaveBeenCalled();
    app.unmount();
  });

  it('shows a callback error (access_denied) to the composable: signed-out with the OAuthError', async () => {
    const denied = new OAuthError({ error: 'access_denied', status: 302 }, 'callback');
    const tessera = createTessera({
      tokens: manager(),
      signIn: fakeSignIn(async () => ({ status: 'error', error: denied })),
    });
    const holder: { refs?: SessionRefs } = {};
    render(capturing(holder), { global: { plugins: [tessera] } });
    await tessera.ready();
    expect(holder.refs?.status.value).toBe('signed-out');
    expect(holder.refs?.error.value).toBe(denied);
  });

  it('keeps the session of a sign-in that failed with NaN the same object through a later manager event', async () => {
    const tokens = manager();
    const tessera = createTessera({ tokens, signIn: fakeSignIn(() => Promise.reject(Number.NaN)) });
    render(Status, { global: { plugins: [tessera] } });
    await tessera.ready();
    const failed = tessera.session.value;
    expect(failed.status).toBe('signed-out');
    expect(Number.isNaN((failed.error as Error).cause)).toBe(true);
    const changes = vi.fn();
    const stopWatching = watch(tessera.session, changes);
    // The first storage read: a `loaded` event that changes nothing the session shows.
    await tokens.ready();
    await nextTick();
    expect(tessera.session.value).toBe(failed);
    expect(changes).not.toHaveBeenCalled();
    stopWatching();
  });

  it('keeps two apps with two managers apart', async () => {
    const first = manager();
    const second = manager();
    await first.setTokens(await auth.issueTokens());
    const a = createTessera({ tokens: first });
    const b = createTessera({ tokens: second });
    const hostA = document.createElement('div');
    const hostB = document.createElement('div');
    const appA = createApp(Status).use(a);
    const appB = createApp(Status).use(b);
    appA.mount(hostA);
    appB.mount(hostB);
    await Promise.all([a.ready(), b.ready()]);
    await nextTick();
    expect([hostA.textContent, hostB.textContent]).toEqual(['signed-in', 'signed-out']);
    await second.setTokens(await auth.issueTokens());
    await first.clear();
    await nextTick();
    expect([hostA.textContent, hostB.textContent]).toEqual(['signed-out', 'signed-in']);
    appA.unmount();
    appB.unmount();
  });

  it('keeps the session live in one app when another app with the same plugin unmounts', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const tessera = createTessera({ tokens });
    const a = createApp(Status).use(tessera);
    const b = createApp(Status).use(tessera);
    const hostB = document.createElement('div');
    a.mount(document.createElement('div'));
    b.mount(hostB);
    await tessera.ready();
    a.unmount();
    await tokens.clear();
    await nextTick();
    expect(tessera.session.value.status).toBe('signed-out');
    expect(hostB.textContent).toBe('signed-out');
    b.unmount();
  });

  it('calls onReturn once with the path sign-in started from', async () => {
    const tokens = manager();
    const onReturn = vi.fn();
    const signIn = fakeSignIn(async () => {
      await tokens.setTokens(await auth.issueTokens());
      return { status: 'handled', returnTo: '/orders/7' };
    });
    const tessera = createTessera({ tokens, signIn, onReturn });
    createApp(Status).use(tessera).mount(document.createElement('div'));
    await tessera.ready();
    expect(onReturn).toHaveBeenCalledTimes(1);
    expect(onReturn).toHaveBeenCalledWith('/orders/7');
  });

  it('never calls onReturn of an app unmounted while its callback was pending; the app replacing it shows signed-in', async () => {
    const tokens = manager();
    const exchange = deferred<void>();
    const oldOnReturn = vi.fn();
    const oldTessera = createTessera({
      tokens,
      onReturn: oldOnReturn,
      signIn: fakeSignIn(async (): Promise<CallbackResult> => {
        await exchange.promise;
        await signInAt(auth, tokens);
        return { status: 'handled', returnTo: '/orders' };
      }),
    });
    const oldApp = createApp(Status).use(oldTessera);
    oldApp.mount(document.createElement('div'));
    oldApp.unmount();
    const newTessera = createTessera({
      tokens,
      signIn: fakeSignIn(async () => ({ status: 'not-a-callback' })),
    });
    const { host, app } = await mountStatus(newTessera);
    exchange.resolve();
    await oldTessera.ready();
    await nextTick();
    expect(oldOnReturn).not.toHaveBeenCalled();
    expect(host.textContent).toBe('signed-in');
    expect(auth.tokenRequestCount).toBe(1);
    app.unmount();
  });

  it('installed after app.mount() shows the session live in components mounted later, and unsubscribes on unmount', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const counts = trackSubscriptions(tokens);
    const tessera = createTessera({ tokens });
    const shown = reactive({ status: false });
    const host = document.createElement('div');
    const app = createApp(defineComponent({ setup: () => () => (shown.status ? h(Status) : null) }));
    app.mount(host);
    app.use(tessera);
    await tessera.ready();
    shown.status = true;
    await nextTick();
    expect(tessera.session.value.status).toBe('signed-in');
    expect(host.textContent).toBe('signed-in');
    await tokens.clear();
    await nextTick();
    expect(host.textContent).toBe('signed-out');
    app.unmount();
    expect(counts).toMatchObject({ subscribes: 1, unsubscribes: 1 });
  });

  it('throws a message naming the missing plugin when useSession() runs in an app without it', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(() => render(Status)).toThrow('[@tessera/vue] no app.use(createTessera())');
    warn.mockRestore();
  });

  it('says it was called outside setup(), not that the plugin is missing, when used where inject() does not work', async () => {
    const tessera = createTessera({ tokens: manager() });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { app } = await mountStatus(tessera);
    // The code after an `await` in setup(), a guard of vue-router < 4.2: no current app to inject from.
    expect(() => useSession()).toThrow(
      '[@tessera/vue] called outside setup(): use the plugin createTessera() returned',
    );
    expect(() => useTessera()).toThrow('called outside setup()');
    // Inside the app's context it is found.
    expect(app.runWithContext(() => useTessera())).toBe(tessera);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    app.unmount();
  });

  it("finds the plugin in a vue-router guard and in a Pinia setup store first used there (the router's app context): no 'outside setup()' error", async () => {
    const { createMemoryHistory, createRouter } = await import('vue-router');
    const tessera = createTessera({ tokens: manager() });
    const useAuth = defineStore('guard-auth', () => ({ tokens: useTessera().tokens }));
    const found: unknown[] = [];
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/', component: { render: () => h('p', null, 'home') } },
        {
          path: '/account',
          component: { render: () => h('p', null, 'account') },
          beforeEnter: () => void found.push(useTessera(), useAuth().tokens),
        },
      ],
    });
    router.beforeEach(() => void found.push(useSession().status.value));
    const app = createApp(Status).use(createPinia()).use(tessera).use(router);
    app.mount(document.createElement('div'));
    await router.push('/account');
    expect(router.currentRoute.value.fullPath).toBe('/account');
    expect(found.slice(-2)).toEqual([tessera, tessera.tokens]);
    expect(found.filter((entry) => typeof entry === 'string').length).toBeGreaterThan(0);
    app.unmount();
  });
});
