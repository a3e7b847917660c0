// @vitest-environment jsdom
// The README's first screen, run: the manager refreshes through `signIn.fetchTokens` and the guard starts the
// sign-in that the plugin completes. Keeps the README's wiring equal to what this test runs.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSignIn, type TokenManager, webStorage } from '@tessera/core';
import { cleanup, render, screen } from '@testing-library/vue';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h } from 'vue';
import { createMemoryHistory, createRouter, type Router, RouterView } from 'vue-router';
import { setupAuthServer } from '../../core/test/session-support.js';
import { createSessionGuard } from './create-session-guard.js';
import { createTessera } from './tessera.js';
import { useSession } from './use-session.js';

const { auth, clock, manager } = setupAuthServer();
afterEach(() => {
  cleanup();
  sessionStorage.clear();
  window.history.replaceState(null, '', '/');
});

/** One page load, wired as the README's first screen (plus the test's clock, a recorded `navigate` and a memory history). */
function pageLoad(): { tokens: TokenManager; navigate: ReturnType<typeof vi.fn>; router: Router } {
  const navigate = vi.fn();
  const tokens = manager({
    fetchTokens: (context) => signIn.fetchTokens(context),
    storage: webStorage(sessionStorage),
  });
  const signIn = createSignIn({
    issuer: auth.issuer,
    clientId: 'web',
    redirectUri: `${location.origin}/callback`,
    tokens,
    navigate,
    clock: clock.now,
  });
  const tessera = createTessera({ tokens, signIn });
  const Account = defineComponent(() => {
    const { claims } = useSession();
    return () => h('p', `Signed in as ${claims.value?.name ?? claims.value?.sub}`);
  });
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: { render: () => h('p', 'home') } },
      { path: '/account', component: Account, beforeEnter: createSessionGuard(tessera) },
    ],
  });
  render(RouterView, { global: { plugins: [tessera, router] } });
  return { tokens, navigate, router };
}

describe('the README’s first screen', () => {
  it('wires the manager to createSignIn, as this test does', () => {
    const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../README.md'), 'utf8');
    const start = readme.indexOf('```ts');
    const firstBlock = readme.slice(start, readme.indexOf('```', start + 5));
    expect(firstBlock).toContain('fetchTokens: (context) => signIn.fetchTokens(context)');
    expect(firstBlock).toContain('const signIn = createSignIn({');
    expect(firstBlock).toContain('claims.value?.name ?? claims.value?.sub');
    expect(firstBlock).not.toContain('refreshTokenGrant');
  });

  it('signs in once, shows the user, and refreshes at the discovered token endpoint', async () => {
    const first = pageLoad();
    await first.router.push('/account');
    expect(first.router.currentRoute.value.fullPath).not.toBe('/account');
    await vi.waitFor(() => expect(first.navigate).toHaveBeenCalledTimes(1));
    const authorizationUrl = String(first.navigate.mock.calls[0]?.[0]);
    expect(authorizationUrl.startsWith(`${auth.issuer}/`)).toBe(true);
    expect(auth.tokenRequestCount).toBe(0);

    // Back from the provider: a new page load at the callback URL.
    cleanup();
    window.history.replaceState(null, '', auth.authorize(authorizationUrl));
    const back = pageLoad();
    await back.router.push('/account');
    expect(await screen.findByText('Signed in as alice')).toBeTruthy();
    expect(back.navigate).not.toHaveBeenCalled();

    clock.advance(300_000); // the access token's lifetime: the next call refreshes
    await back.tokens.getAccessToken();
    expect(
      auth.tokenRequests.map(({ grantType, clientId, status }) => ({ grantType, clientId, status })),
    ).toEqual([
      { grantType: 'authorization_code', clientId: 'web', status: 200 },
      { grantType: 'refresh_token', clientId: 'web', status: 200 },
    ]);
  });
});
