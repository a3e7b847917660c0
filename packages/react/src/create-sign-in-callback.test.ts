// @vitest-environment jsdom
import { createSignIn } from '@tessera/core';
import { cleanup, render, screen } from '@testing-library/react';
import { createElement as h, StrictMode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setupAuthServer } from '../test/support.js';
import { TesseraProvider } from './tessera-provider.js';
import { useSession } from './use-session.js';

const { auth, clock, manager } = setupAuthServer();
afterEach(() => {
  cleanup();
  sessionStorage.clear();
  window.history.replaceState(null, '', '/');
});

function Status() {
  const session = useSession();
  return h('p', { 'data-testid': 'status' }, `${session.status} ${session.claims?.sub ?? ''}`);
}

describe('TesseraProvider with createSignIn against @tessera/testing', () => {
  it('completes a real PKCE callback under StrictMode with exactly one token request', async () => {
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
    render(h(StrictMode, null, h(TesseraProvider, { tokens, signIn, onReturn }, h(Status))));
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
