// @vitest-environment jsdom
// A browser app hydrating the HTML its server rendered (Nuxt, vite-ssr): the server always renders `loading`.
import type { SignInLike } from '@tessera/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type App, createSSRApp, defineComponent, h, nextTick, Suspense, shallowRef } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { createMemoryHistory, createRouter, RouterView } from 'vue-router';
import { fakeSignIn, setupAuthServer } from '../../core/test/session-support.js';
import { createSessionGuard } from './create-session-guard.js';
import { createTessera, type Tessera } from './tessera.js';
import { useSession } from './use-session.js';

const { auth, manager } = setupAuthServer();
afterEach(() => vi.restoreAllMocks());

const Status = defineComponent({
  setup() {
    const { status } = useSession();
    return () => h('p', null, status.value);
  },
});

/** The server's HTML in a container, as the browser receives it. */
async function serverRendered(): Promise<HTMLElement> {
  const html = await renderToString(createSSRApp(Status).use(createTessera({ tokens: manager() })));
  expect(html).toBe('<p>loading</p>');
  const host = document.createElement('div');
  host.innerHTML = html;
  return host;
}

/**
 * Mounts `app` on `host` (hydration) and checks that Vue reported nothing: a hydration mismatch is a
 * warning (`app.config.warnHandler`) followed by a console error; then that the session shows after mount.
 */
async function expectHydratedThenLive(app: App, tessera: Tessera, host: HTMLElement): Promise<void> {
  const warnHandler = vi.fn();
  app.config.warnHandler = warnHandler;
  const consoleWarn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
  app.mount(host);
  expect(warnHandler).not.toHaveBeenCalled();
  expect(consoleWarn).not.toHaveBeenCalled();
  expect(consoleError).not.toHaveBeenCalled();
  expect(host.innerHTML).toBe('<p>loading</p>');
  expect(tessera.session.value.status).toBe('signed-in');
  await nextTick();
  expect(host.innerHTML).toBe('<p>signed-in</p>');
  app.unmount();
}

describe('hydrating server HTML when the manager already holds a set', () => {
  it.each<[string, SignInLike | undefined, boolean]>([
    ['mounted at once, no sign-in flow', undefined, false],
    [
      'mounted after ready() settled, with a callback check',
      fakeSignIn(async () => ({ status: 'not-a-callback' })),
      true,
    ],
  ])(
    '%s: renders loading as the server did, without a mismatch, then the session',
    async (_, signIn, settleFirst) => {
      const tokens = manager();
      await tokens.setTokens(await auth.issueTokens());
      const host = await serverRendered();
      const tessera = createTessera({ tokens, signIn });
      const app = createSSRApp(Status).use(tessera);
      if (settleFirst) await tessera.ready();
      await expectHydratedThenLive(app, tessera, host);
    },
  );

  it('with vue-router: the guard runs before mount, the page hydrates loading, then shows the session', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const signIn = fakeSignIn(async () => ({ status: 'not-a-callback' }));
    const host = await serverRendered();
    const tessera = createTessera({ tokens, signIn });
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [{ path: '/account', component: Status, beforeEnter: createSessionGuard(tessera) }],
    });
    const app = createSSRApp(RouterView).use(tessera).use(router);
    await router.push('/account');
    await router.isReady();
    expect(router.currentRoute.value.fullPath).toBe('/account');
    await expectHydratedThenLive(app, tessera, host);
    expect(signIn.handleCallback).toHaveBeenCalledTimes(1);
    expect(signIn.start).not.toHaveBeenCalled();
    expect(auth.tokenRequestCount).toBe(0);
  });

  it('under <Suspense>, a component with an async setup() hydrates loading after mount() returned, then shows the session; one mounted later shows it at once', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    // A page that awaits its data in setup() (Nuxt's `await useFetch()`): it hydrates once that resolves,
    // after mount() returned.
    const Page = defineComponent({
      async setup() {
        const { status } = useSession();
        await Promise.resolve();
        return () => h('p', null, status.value);
      },
    });
    // A component the app shows after hydration (a client-side navigation): never `loading`.
    const later = shallowRef(false);
    const laterRenders: string[] = [];
    const Later = defineComponent({
      setup() {
        const { status } = useSession();
        return () => h('i', null, laterRenders[laterRenders.push(status.value) - 1]);
      },
    });
    const Root = defineComponent({
      setup: () => () =>
        h('div', null, [h(Suspense, null, { default: () => h(Page) }), later.value ? h(Later) : null]),
    });
    const html = await renderToString(createSSRApp(Root).use(createTessera({ tokens: manager() })));
    expect(html).toBe('<div><p>loading</p><!----></div>');
    const host = document.createElement('div');
    host.innerHTML = html;
    const tessera = createTessera({ tokens });
    const app = createSSRApp(Root).use(tessera);
    const warnHandler = vi.fn();
    app.config.warnHandler = (message) => {
      if (!message.startsWith('<Suspense> is an experimental feature')) warnHandler(message);
    };
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    app.mount(host);
    // Live since the end of mount(), before the page hydrated.
    expect(tessera.session.value.status).toBe('signed-in');
    await vi.waitFor(() => expect(host.innerHTML).toBe('<div><p>signed-in</p><!----></div>'));
    expect(warnHandler).not.toHaveBeenCalled();
    expect(consoleError).not.toHaveBeenCalled();
    later.value = true;
    await nextTick();
    expect(host.innerHTML).toBe('<div><p>signed-in</p><i>signed-in</i></div>');
    expect(laterRenders).toEqual(['signed-in']);
    app.unmount();
  });
});
