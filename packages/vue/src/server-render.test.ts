// Plain Node, no DOM: what a Nuxt server render does.
import { TokenManager } from '@tessera/core';
import { describe, expect, it, vi } from 'vitest';
import { createSSRApp, defineComponent, h } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { createMemoryHistory, createRouter, RouterView } from 'vue-router';
import { fakeSignIn, setupAuthServer } from '../../core/test/session-support.js';
import { createSessionGuard } from './create-session-guard.js';
import { createTessera } from './tessera.js';
import { useSession } from './use-session.js';

const { auth, clock, manager } = setupAuthServer();

const Status = defineComponent({
  setup() {
    const { status } = useSession();
    return () => h('p', null, status.value);
  },
});

describe('server rendering', () => {
  it('imports and renders loading without window, the callback, storage or a subscription', async () => {
    expect(typeof window).toBe('undefined');
    expect(typeof document).toBe('undefined');
    const fetchTokens = vi.fn();
    const tokens = new TokenManager({ fetchTokens });
    await tokens.setTokens({ access_token: 'a', expires_in: 60 });
    const subscribe = vi.spyOn(tokens, 'subscribe');
    const ready = vi.spyOn(tokens, 'ready');
    const signIn = { start: vi.fn(), handleCallback: vi.fn() };
    const app = createSSRApp(Status).use(createTessera({ tokens, signIn }));
    expect(await renderToString(app)).toBe('<p>loading</p>');
    expect(subscribe).not.toHaveBeenCalled();
    expect(ready).not.toHaveBeenCalled();
    expect(signIn.handleCallback).not.toHaveBeenCalled();
    expect(fetchTokens).not.toHaveBeenCalled();
  });
  it('renders loading, not the session of the manager, without a sign-in callback (no leak between requests)', async () => {
    // E.g. a manager that lives in a server module: what it holds must not reach anyone's HTML.
    const tokens = new TokenManager({ fetchTokens: vi.fn() });
    await tokens.setTokens({
      access_token: 'someone-else',
      refresh_token: 'their-refresh-token',
      expires_in: 60,
    });
    const tessera = createTessera({ tokens });
    const app = createSSRApp(Status).use(tessera);
    expect(await renderToString(app)).toBe('<p>loading</p>');
    expect(tessera.session.value).toEqual({ status: 'loading' });
  });
  it('lets a protected route render loading under vue-router SSR: no callback, no token request, no sign-in', async () => {
    // Expired: in the browser the guard would refresh it (one token request).
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    clock.advance(3_600_000);
    const signIn = fakeSignIn(async () => ({ status: 'not-a-callback' }));
    const tessera = createTessera({ tokens, signIn });
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [{ path: '/account', component: Status, beforeEnter: createSessionGuard(tessera) }],
    });
    const app = createSSRApp(RouterView).use(tessera).use(router);
    await router.push('/account');
    await router.isReady();
    expect(await renderToString(app)).toBe('<p>loading</p>');
    expect(router.currentRoute.value.fullPath).toBe('/account');
    expect(auth.tokenRequestCount).toBe(0);
    expect(signIn.handleCallback).not.toHaveBeenCalled();
    expect(signIn.start).not.toHaveBeenCalled();
  });
});
