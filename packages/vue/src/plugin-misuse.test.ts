// @vitest-environment jsdom
import { createSignIn, type TokenManager } from '@tessera/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp, defineComponent, h, nextTick } from 'vue';
import { setupAuthServer, trackSubscriptions } from '../../core/test/session-support.js';
import { createTessera } from './tessera.js';
import { useSession } from './use-session.js';

// The plugin used against its documentation, with the real createSignIn: what a user would notice is
// a second token request, an unhandled rejection (vitest fails the run on one), or listeners left on
// the manager.
const { auth, clock, manager } = setupAuthServer();
afterEach(() => {
  sessionStorage.clear();
  window.history.replaceState(null, '', '/');
});

const Status = defineComponent({
  setup() {
    const { status, claims } = useSession();
    return () => h('p', null, `${status.value} ${claims.value?.sub ?? ''}`);
  },
});

/** A sign-in over `tokens`, the browser on its callback (started from `/orders`), and the manager's listeners counted from then on. */
async function atCallback(tokens: TokenManager) {
  const signIn = createSignIn({
    issuer: auth.issuer,
    clientId: 'web',
    redirectUri: `${window.location.origin}/callback`,
    tokens,
    navigate: vi.fn(),
    clock: clock.now,
  });
  window.history.replaceState(
    null,
    '',
    auth.authorize(await signIn.buildAuthorizationUrl({ returnTo: '/orders' })),
  );
  return { signIn, counts: trackSubscriptions(tokens) };
}

const mount = (plugin: ReturnType<typeof createTessera>, twice = false) => {
  const host = document.createElement('div');
  const app = createApp(Status).use(plugin);
  if (twice) app.use(plugin);
  app.mount(host);
  return { host, app };
};

describe('createTessera used against its documentation', () => {
  it('one plugin installed twice in one app and on a second app, one manager: one token request, onReturn once, no listener left after both unmount', async () => {
    const tokens = manager();
    const { signIn, counts } = await atCallback(tokens);
    const onReturn = vi.fn();
    const tessera = createTessera({ tokens, signIn, onReturn });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const first = mount(tessera, true);
    const second = mount(tessera);
    await tessera.ready();
    await nextTick();
    expect([first.host.textContent, second.host.textContent]).toEqual(['signed-in alice', 'signed-in alice']);
    expect(auth.tokenRequestCount).toBe(1);
    expect(onReturn.mock.calls).toEqual([['/orders']]);
    expect(counts.active()).toBe(1);
    first.app.unmount();
    second.app.unmount();
    expect(counts.active()).toBe(0);
    warn.mockRestore();
  });

  it('two plugins over one manager and one sign-in on two apps: one token request, onReturn once, no listener left', async () => {
    const tokens = manager();
    const { signIn, counts } = await atCallback(tokens);
    const onReturn = vi.fn();
    const a = createTessera({ tokens, signIn, onReturn });
    const b = createTessera({ tokens, signIn, onReturn });
    const first = mount(a);
    const second = mount(b);
    await Promise.all([a.ready(), b.ready()]);
    await nextTick();
    expect([first.host.textContent, second.host.textContent]).toEqual(['signed-in alice', 'signed-in alice']);
    expect(auth.tokenRequestCount).toBe(1);
    await vi.waitFor(() => expect(onReturn).toHaveBeenCalled());
    expect(onReturn.mock.calls).toEqual([['/orders']]);
    first.app.unmount();
    second.app.unmount();
    expect(counts.active()).toBe(0);
  });

  it('an app unmounted while handleCallback is in flight: one token request, the session kept, no onReturn, no listener left', async () => {
    const tokens = manager();
    const { signIn, counts } = await atCallback(tokens);
    const onReturn = vi.fn();
    const tessera = createTessera({ tokens, signIn, onReturn });
    mount(tessera).app.unmount();
    await tessera.ready();
    expect(auth.tokenRequestCount).toBe(1);
    expect(tokens.peekTokens()).toBeDefined();
    expect(onReturn).not.toHaveBeenCalled();
    expect(counts.active()).toBe(0);
    // A new app with a new plugin: signed in from the manager, no second exchange.
    const again = createTessera({ tokens, signIn });
    const { host, app } = mount(again);
    await again.ready();
    await nextTick();
    expect(host.textContent).toBe('signed-in alice');
    expect(auth.tokenRequestCount).toBe(1);
    app.unmount();
  });
});
