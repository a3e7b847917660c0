// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/vue';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp, defineComponent, h, onMounted } from 'vue';
import { createRouter, createWebHistory } from 'vue-router';
import { callbackSignIn, setupAuthServer } from '../../core/test/session-support.js';
import { createTessera } from './tessera.js';
import { useSession } from './use-session.js';

const { auth, manager } = setupAuthServer();
afterEach(() => {
  cleanup();
  window.history.replaceState(null, '', '/');
});

const Status = defineComponent({
  setup() {
    const { status } = useSession();
    return () => h('p', { 'data-testid': 'status' }, status.value);
  },
});

describe('createTessera and the callback URL', () => {
  it('completes the callback when a child replaces the URL in onMounted, before app.mount() returns', async () => {
    window.history.replaceState(null, '', '/callback?code=c1&state=s1');
    const tokens = manager();
    const signIn = callbackSignIn(auth, tokens);
    const onReturn = vi.fn();
    const tessera = createTessera({ tokens, signIn, onReturn });
    const Redirect = defineComponent({
      setup() {
        onMounted(() => window.history.replaceState(null, '', '/login'));
        return () => h(Status);
      },
    });
    render(Redirect, { global: { plugins: [tessera] } });
    expect(await screen.findByText('signed-in')).toBeTruthy();
    expect(auth.tokenRequestCount).toBe(1);
    expect(signIn.handleCallback).toHaveBeenCalledTimes(1);
    expect(onReturn.mock.calls).toEqual([['/orders']]);
  });

  it('completes the callback when the router redirected before mount (await router.isReady())', async () => {
    window.history.replaceState(null, '', '/callback?code=c1&state=s1');
    const tokens = manager();
    const signIn = callbackSignIn(auth, tokens);
    const tessera = createTessera({ tokens, signIn });
    const router = createRouter({
      history: createWebHistory(),
      routes: [
        { path: '/', component: Status },
        { path: '/:rest(.*)*', redirect: '/' },
      ],
    });
    const root = document.createElement('div');
    document.body.append(root);
    const app = createApp(() => h('main', null, h(Status)))
      .use(tessera)
      .use(router);
    await router.isReady();
    expect(window.location.pathname).toBe('/');
    app.mount(root);
    await tessera.ready();
    expect(auth.tokenRequestCount).toBe(1);
    expect(tessera.session.value.status).toBe('signed-in');
    app.unmount();
    root.remove();
  });
});
