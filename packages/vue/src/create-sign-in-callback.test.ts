// @vitest-environment jsdom
import { createSignIn, OAuthError } from '@tessera/core';
import { cleanup, render, screen } from '@testing-library/vue';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h } from 'vue';
import { setupAuthServer } from '../../core/test/session-support.js';
import { createTessera } from './tessera.js';
import { useSession } from './use-session.js';

const { auth, clock, manager } = setupAuthServer();
afterEach(() => {
  cleanup();
  sessionStorage.clear();
  window.history.replaceState(null, '', '/');
});

const Status = defineComponent({
  setup() {
    const { status, claims } = useSession();
    return () => h('p', { 'data-testid': 'status' }, `${status.value} ${claims.value?.sub ?? ''}`);
  },
});

describe('createTessera with createSignIn against @tessera/testing', () => {
  it('completes a real PKCE callback with exactly one token request', async () => {
    const tokens = manager();
    const navigate = vi.fn();
    const signIn = createSignIn({
      issuer: auth.issuer,
      clientId: 'web',
      redirectUri: `${window.location.origin}/callback`,
      tokens,
      navigate,
      clock: clock.now,
    });
    const authorizationUrl = await signIn.buildAuthorizationUrl({ returnTo: '/orders' });
    window.history.replaceState(null, '', auth.authorize(authorizationUrl));
    const onReturn = vi.fn();
    const tessera = createTessera({ tokens, signIn, onReturn });
    render(Status, { global: { plugins: [tessera] } });
    expect(await screen.findByText('signed-in alice')).toBeTruthy();
    expect(auth.tokenRequestCount).toBe(1);
    expect(auth.tokenRequests).toEqual([
      { grantType: 'authorization_code', clientId: 'web', status: 200, at: clock.now() },
    ]);
    expect(window.location.href).toBe(`${window.location.origin}/callback`);
    expect(onReturn.mock.calls).toEqual([['/orders']]);
    expect(signIn.claims()).toMatchObject({ iss: auth.issuer, aud: 'web', sub: 'alice' });
    expect(navigate).not.toHaveBeenCalled();
  });
});

describe('two plugins over one createSignIn (two Vue apps)', () => {
  async function signInAtCallback() {
    const tokens = manager();
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
    return { tokens, signIn };
  }

  it('complete one callback with one token request and call onReturn once', async () => {
    const { tokens, signIn } = await signInAtCallback();
    const onReturn = vi.fn();
    render(Status, { global: { plugins: [createTessera({ tokens, signIn, onReturn })] } });
    render(Status, { global: { plugins: [createTessera({ tokens, signIn, onReturn })] } });
    expect(await screen.findAllByText('signed-in alice')).toHaveLength(2);
    expect(auth.tokenRequestCount).toBe(1);
    await vi.waitFor(() => expect(onReturn).toHaveBeenCalled());
    expect(onReturn.mock.calls).toEqual([['/orders']]);
  });

  it('leave the callback to the plugin with an onReturn when the first to complete it has none', async () => {
    const { tokens, signIn } = await signInAtCallback();
    const onReturn = vi.fn();
    render(Status, { global: { plugins: [createTessera({ tokens, signIn })] } });
    render(Status, { global: { plugins: [createTessera({ tokens, signIn, onReturn })] } });
    expect(await screen.findAllByText('signed-in alice')).toHaveLength(2);
    await vi.waitFor(() => expect(onReturn).toHaveBeenCalled());
    expect(onReturn.mock.calls).toEqual([['/orders']]);
  });
});

describe('the app re-created after a callback error (unmounted and mounted again)', () => {
  const Why = defineComponent({
    setup() {
      const { status, error } = useSession();
      return () =>
        h('p', null, `${status.value}${error.value instanceof OAuthError ? ` ${error.value.error}` : ''}`);
    },
  });

  async function deniedCallback() {
    const tokens = manager();
    const navigate = vi.fn();
    const signIn = createSignIn({
      issuer: auth.issuer,
      clientId: 'web',
      redirectUri: `${window.location.origin}/callback`,
      tokens,
      navigate,
      clock: clock.now,
    });
    window.history.replaceState(
      null,
      '',
      auth.authorize(await signIn.buildAuthorizationUrl(), { error: 'access_denied' }),
    );
    return { tokens, signIn, navigate };
  }

  it('with the same plugin, shows the error again: it lives in the plugin, which outlives the app', async () => {
    const { tokens, signIn, navigate } = await deniedCallback();
    const tessera = createTessera({ tokens, signIn });
    render(Why, { global: { plugins: [tessera] } }).unmount();
    render(Why, { global: { plugins: [tessera] } });
    expect(await screen.findByText('signed-out access_denied')).toBeTruthy();
    expect(auth.tokenRequestCount).toBe(0);
    expect(navigate).not.toHaveBeenCalled();
  });

  it('with a new createTessera() over the same manager, shows the same error: it lives with the manager (decision 1001, stop 38)', async () => {
    const { tokens, signIn, navigate } = await deniedCallback();
    const first = render(Why, { global: { plugins: [createTessera({ tokens, signIn })] } });
    expect(await screen.findByText('signed-out access_denied')).toBeTruthy();
    first.unmount();
    // The address bar was cleaned and a settled callback is not shared through the clean URL (decision
    // 1107): the new plugin completes nothing, and starts from what the manager's last store showed.
    expect(window.location.href).toBe(`${window.location.origin}/callback`);
    render(Why, { global: { plugins: [createTessera({ tokens, signIn })] } });
    expect(await screen.findByText('signed-out access_denied')).toBeTruthy();
    expect(auth.tokenRequestCount).toBe(0);
    expect(navigate).not.toHaveBeenCalled();
  });
});
