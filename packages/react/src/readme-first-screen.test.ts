// @vitest-environment jsdom
// The README's first screen, run: the manager refreshes through `signIn.fetchTokens` and the provider completes
// the sign-in that `<RequireSession>` starts. Keeps the README's wiring equal to what this test runs.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSignIn, type TokenManager, webStorage } from '@tessera/core';
import { cleanup, render, screen } from '@testing-library/react';
import { createElement as h } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setupAuthServer } from '../../core/test/session-support.js';
import { RequireSession } from './require-session.js';
import { TesseraProvider } from './tessera-provider.js';
import { useSession } from './use-session.js';

const { auth, clock, manager } = setupAuthServer();
afterEach(() => {
  cleanup();
  sessionStorage.clear();
  window.history.replaceState(null, '', '/');
});

function Profile() {
  const { claims } = useSession();
  return h('p', null, `Signed in as ${claims?.name ?? claims?.sub}`);
}

/** One page load, wired as the README's first screen (plus the test's clock and a recorded `navigate`). */
function pageLoad(): { tokens: TokenManager; navigate: ReturnType<typeof vi.fn> } {
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
  render(
    h(
      TesseraProvider,
      { tokens, signIn },
      h(RequireSession, { fallback: h('p', null, 'Loading…') }, h(Profile)),
    ),
  );
  return { tokens, navigate };
}

describe('the README’s first screen', () => {
  it('wires the manager to createSignIn, as this test does', () => {
    const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../README.md'), 'utf8');
    const firstBlock = readme.slice(
      readme.indexOf('```tsx'),
      readme.indexOf('```', readme.indexOf('```tsx') + 6),
    );
    expect(firstBlock).toContain('fetchTokens: (context) => signIn.fetchTokens(context)');
    expect(firstBlock).toContain('const signIn = createSignIn({');
    expect(firstBlock).toContain('claims?.name ?? claims?.sub');
    expect(firstBlock).not.toContain('refreshTokenGrant');
  });

  it('signs in once, shows the user, and refreshes at the discovered token endpoint', async () => {
    const first = pageLoad();
    expect(await screen.findByText('Loading…')).toBeTruthy();
    await vi.waitFor(() => expect(first.navigate).toHaveBeenCalledTimes(1));
    const authorizationUrl = String(first.navigate.mock.calls[0]?.[0]);
    expect(authorizationUrl.startsWith(`${auth.issuer}/`)).toBe(true);
    expect(auth.tokenRequestCount).toBe(0);

    // Back from the provider: a new page load at the callback URL.
    cleanup();
    window.history.replaceState(null, '', auth.authorize(authorizationUrl));
    const back = pageLoad();
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
