// @vitest-environment jsdom
import { HttpError, OAuthError, type SessionStore, type SignInLike } from '@tessera/core';
import { cleanup, render, screen } from '@testing-library/vue';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp, defineComponent, h } from 'vue';
import { createMemoryHistory, createRouter, isNavigationFailure, RouterView } from 'vue-router';
import { deferred, fakeSignIn, setupAuthServer } from '../../core/test/session-support.js';
import { createSessionGuard } from './create-session-guard.js';
import { createTessera, type Tessera } from './tessera.js';

const { auth, clock, manager } = setupAuthServer();
afterEach(cleanup);

const accountRenders = vi.fn();
const Account = defineComponent({
  setup: () => () => {
    accountRenders();
    return h('p', null, 'account page');
  },
});
afterEach(() => accountRenders.mockClear());

/** A router with a public `/` and a protected `/account`; nothing is mounted. */
async function routerFor(tessera: Tessera) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: { render: () => h('p', null, 'home') } },
      { path: '/account', component: Account, beforeEnter: createSessionGuard(tessera) },
    ],
  });
  await router.push('/');
  return router;
}

describe('createSessionGuard (in a router with no mounted component)', () => {
  it('lets a signed-in user through without a sign-in or a token request', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const signIn = fakeSignIn();
    const router = await routerFor(createTessera({ tokens, signIn }));
    expect(await router.push('/account')).toBeUndefined();
    expect(router.currentRoute.value.fullPath).toBe('/account');
    expect(signIn.start).not.toHaveBeenCalled();
    expect(auth.tokenRequestCount).toBe(0);
  });

  it('lets the navigation through, signed in, when onReturn throws; the error is reported as uncaught', async () => {
    const reportError = vi.fn();
    vi.stubGlobal('reportError', reportError);
    try {
      const tokens = manager();
      const signIn = fakeSignIn(async () => {
        await tokens.setTokens(await auth.issueTokens());
        return { status: 'handled', returnTo: '/account' };
      });
      const onReturn = () => {
        throw new Error('navigate failed');
      };
      const tessera = createTessera({ tokens, signIn, onReturn });
      const router = await routerFor(tessera);
      expect(await router.push('/account')).toBeUndefined();
      expect(router.currentRoute.value.fullPath).toBe('/account');
      expect(reportError).toHaveBeenCalledTimes(1);
      expect(reportError.mock.calls[0]?.[0]).toMatchObject({ message: 'navigate failed' });
      expect(signIn.start).not.toHaveBeenCalled();
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('starts exactly one sign-in with the target as returnTo and blocks the navigation when signed out', async () => {
    const signIn = fakeSignIn(async () => ({ status: 'not-a-callback' }));
    const router = await routerFor(createTessera({ tokens: manager(), signIn }));
    const failure = await router.push('/account?tab=orders#recent');
    expect(isNavigationFailure(failure)).toBe(true);
    expect(router.currentRoute.value.fullPath).toBe('/');
    expect(signIn.start).toHaveBeenCalledTimes(1);
    expect(signIn.start).toHaveBeenCalledWith({ returnTo: '/account?tab=orders#recent' });
    expect(auth.tokenRequestCount).toBe(0);
  });

  it('with an expired access token and a refused refresh, starts sign-in instead of letting the user through', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const signIn = fakeSignIn();
    const tessera = createTessera({ tokens, signIn });
    const router = await routerFor(tessera);
    auth.revokeAll();
    clock.advance(3_600_000);
    expect(isNavigationFailure(await router.push('/account'))).toBe(true);
    expect(auth.tokenRequests.map((request) => request.error)).toEqual(['invalid_grant']);
    expect(signIn.start).toHaveBeenCalledTimes(1);
    expect(router.currentRoute.value.fullPath).toBe('/');
  });

  it('refreshes an expired access token and lets the user through', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const signIn = fakeSignIn();
    const router = await routerFor(createTessera({ tokens, signIn }));
    clock.advance(3_600_000);
    await router.push('/account');
    expect(router.currentRoute.value.fullPath).toBe('/account');
    expect(auth.tokenRequestCount).toBe(1);
    expect(signIn.start).not.toHaveBeenCalled();
  });

  it('fails the navigation with the error, and does not send the user to sign in, when the refresh fails transiently', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const signIn = fakeSignIn();
    const router = await routerFor(createTessera({ tokens, signIn }));
    clock.advance(3_600_000);
    auth.failNextTokenRequests(1, { status: 503 });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const warned = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await expect(router.push('/account')).rejects.toBeInstanceOf(HttpError);
    logged.mockRestore();
    warned.mockRestore();
    expect(signIn.start).not.toHaveBeenCalled();
    expect(tokens.peekTokens()).toBeDefined();
    expect(router.currentRoute.value.fullPath).toBe('/');
  });

  it('never starts a sign-in by itself after a callback error (access_denied)', async () => {
    const denied = new OAuthError({ error: 'access_denied', status: 302 }, 'callback');
    const signIn = fakeSignIn(async () => ({ status: 'error', error: denied }));
    const tessera = createTessera({ tokens: manager(), signIn });
    const router = await routerFor(tessera);
    expect(isNavigationFailure(await router.push('/account'))).toBe(true);
    expect(isNavigationFailure(await router.push('/account'))).toBe(true);
    expect(signIn.start).not.toHaveBeenCalled();
  });

  it('waits for a pending callback instead of seeing signed-out, then lets the user through', async () => {
    const tokens = manager();
    const callback = deferred<void>();
    const signIn = fakeSignIn(async () => {
      await callback.promise;
      await tokens.setTokens(await auth.issueTokens());
      return { status: 'handled' };
    });
    const router = await routerFor(createTessera({ tokens, signIn }));
    const navigation = router.push('/account');
    await tokens.ready();
    callback.resolve();
    expect(await navigation).toBeUndefined();
    expect(router.currentRoute.value.fullPath).toBe('/account');
    expect(signIn.start).not.toHaveBeenCalled();
  });

  it('records a rejected start() as the session error and does not retry it on the next navigation', async () => {
    const signIn: SignInLike = {
      start: vi.fn(() => Promise.reject(new Error('authorization server unreachable'))),
    };
    const tessera = createTessera({ tokens: manager(), signIn });
    // Mounted: tessera.session is live from then on.
    createApp({ render: () => null })
      .use(tessera)
      .mount(document.createElement('div'));
    const router = await routerFor(tessera);
    await router.push('/account');
    await vi.waitFor(() => expect(tessera.session.value.error).toBeInstanceOf(Error));
    await router.push('/account');
    expect(signIn.start).toHaveBeenCalledTimes(1);
  });

  it('after the session ended, shows a rejected start() as signed-out with its error and does not retry it', async () => {
    const tokens = manager();
    await tokens.setTokens(await auth.issueTokens());
    const unreachable = new Error('discovery unreachable');
    const signIn: SignInLike = { start: vi.fn(() => Promise.reject(unreachable)) };
    const tessera = createTessera({ tokens, signIn });
    createApp({ render: () => null })
      .use(tessera)
      .mount(document.createElement('div'));
    const router = await routerFor(tessera);
    auth.revokeAll();
    clock.advance(3_600_000);
    expect(isNavigationFailure(await router.push('/account'))).toBe(true);
    await vi.waitFor(() => expect(tessera.session.value.error).toBe(unreachable));
    expect(tessera.session.value.status).toBe('signed-out');
    expect(isNavigationFailure(await router.push('/account'))).toBe(true);
    expect(signIn.start).toHaveBeenCalledTimes(1);
  });

  it('keeps two apps with two managers apart', async () => {
    const signedIn = manager();
    await signedIn.setTokens(await auth.issueTokens());
    const signInA = fakeSignIn();
    const signInB = fakeSignIn();
    const routerA = await routerFor(createTessera({ tokens: signedIn, signIn: signInA }));
    const routerB = await routerFor(createTessera({ tokens: manager(), signIn: signInB }));
    await Promise.all([routerA.push('/account'), routerB.push('/account')]);
    expect(routerA.currentRoute.value.fullPath).toBe('/account');
    expect(routerB.currentRoute.value.fullPath).toBe('/');
    expect(signInA.start).not.toHaveBeenCalled();
    expect(signInB.start).toHaveBeenCalledTimes(1);
  });
});

describe('createSessionGuard in a mounted app', () => {
  it('never renders the protected page on a signed-out visit, and navigates to sign-in once', async () => {
    const signIn = fakeSignIn(async () => ({ status: 'not-a-callback' }));
    const tessera = createTessera({ tokens: manager(), signIn });
    const router = await routerFor(tessera);
    render(defineComponent({ setup: () => () => h(RouterView) }), { global: { plugins: [tessera, router] } });
    await screen.findByText('home');
    await router.push('/account');
    expect(screen.queryByText('account page')).toBeNull();
    expect(accountRenders).not.toHaveBeenCalled();
    expect(signIn.start).toHaveBeenCalledTimes(1);
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

describe('createSessionGuard after a sign-in that failed with a falsy reason', () => {
  it.each(falsyReasons)(
    'a callback rejecting with %s: blocks the navigation, starts no sign-in, and the session has an error',
    async (_, reason) => {
      const signIn = fakeSignIn(() => Promise.reject(reason));
      const tessera = createTessera({ tokens: manager(), signIn });
      const router = await routerFor(tessera);
      expect(isNavigationFailure(await router.push('/account'))).toBe(true);
      expect(isNavigationFailure(await router.push('/account'))).toBe(true);
      expect(signIn.start).not.toHaveBeenCalled();
      const { status, error } = (tessera as unknown as SessionStore).getSnapshot();
      expect(status).toBe('signed-out');
      expect(error).toMatchObject({ name: 'TesseraError', code: 'SIGN_IN_FAILED' });
      expect(Object.is((error as Error).cause, reason)).toBe(true);
    },
  );

  it.each(falsyReasons)(
    'a callback reporting an error of %s: blocks the navigation and starts no sign-in',
    async (_, reason) => {
      const signIn = fakeSignIn(async () => ({ status: 'error', error: reason }));
      const router = await routerFor(createTessera({ tokens: manager(), signIn }));
      expect(isNavigationFailure(await router.push('/account'))).toBe(true);
      expect(signIn.start).not.toHaveBeenCalled();
    },
  );

  it.each(falsyReasons)(
    'start() rejecting with %s: the next navigation starts no second sign-in',
    async (_, reason) => {
      const rejected = Promise.reject(reason);
      rejected.catch(() => {});
      const signIn: SignInLike = { start: vi.fn(() => rejected) };
      const router = await routerFor(createTessera({ tokens: manager(), signIn }));
      expect(isNavigationFailure(await router.push('/account'))).toBe(true);
      // The store's handler was attached before this one: the failure is recorded once this settles.
      await rejected.catch(() => {});
      expect(isNavigationFailure(await router.push('/account'))).toBe(true);
      expect(signIn.start).toHaveBeenCalledTimes(1);
    },
  );
});
