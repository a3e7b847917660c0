import { failUnhandledRequest } from '@tessera/testing';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FakeBrowser, installFakeBrowser } from '../test/fixtures/fake-browser.js';
import { CLIENT_ID, fakeOidcServer, ISSUER, REDIRECT_URI } from '../test/fixtures/fake-oidc-server.js';
import type { createSignIn as CreateSignIn, SignIn } from './sign-in/create-sign-in.js';
import { TokenManager } from './token-manager.js';

/**
 * The catalogue's "The PKCE verifier is not found where the flow ends, and the library sends the
 * request anyway": a stored sign-in whose verifier is there but empty (storage edited, or written by
 * something else) is as good as none. Sending `code_verifier=` spends the single-use code for an
 * `invalid_grant`; no verifier, no token request.
 */

const now = 1_700_000_000_000;
const clock = () => now;
let oidc: ReturnType<typeof fakeOidcServer>;
const msw = setupServer();
let browser: FakeBrowser;
let createSignIn: typeof CreateSignIn;

beforeAll(() => msw.listen({ onUnhandledRequest: failUnhandledRequest }));
afterAll(() => msw.close());
beforeEach(async () => {
  oidc = fakeOidcServer(clock);
  msw.use(...oidc.handlers);
  browser = installFakeBrowser('https://app.example.test/orders');
  vi.resetModules();
  createSignIn = (await import('./sign-in/create-sign-in.js')).createSignIn;
});
afterEach(() => {
  msw.resetHandlers();
  vi.unstubAllGlobals();
});

function setUp(): SignIn {
  const tokens = new TokenManager({
    fetchTokens: (context) => signIn.fetchTokens(context),
    clock,
    retry: false,
  });
  const signIn: SignIn = createSignIn({
    issuer: ISSUER,
    clientId: CLIENT_ID,
    redirectUri: REDIRECT_URI,
    scope: 'openid profile offline_access',
    tokens,
    clock,
    navigate: () => {},
    fetch: (input, init) => fetch(input, init),
  });
  return signIn;
}

describe('createSignIn: a stored sign-in with an empty verifier', () => {
  it.each([
    ['an empty string', ''],
    ['null', null],
    ['a number', 0],
  ])(
    'is a PkceVerifierMissingError when the verifier is %s: no token request, a clean URL',
    async (_, verifier) => {
      const signIn = setUp();
      const callback = oidc.authorize((await signIn.buildAuthorizationUrl()).href);
      browser.visit(callback);
      const key = `tessera.sign-in.${new URL(callback).searchParams.get('state')}`;
      const stored = JSON.parse(browser.sessionStorage.getItem(key) ?? '{}');
      expect(typeof stored.verifier).toBe('string'); // the entry this test edits is the transaction
      browser.sessionStorage.setItem(key, JSON.stringify({ ...stored, verifier }));

      const result = await signIn.handleCallback();
      expect(result).toMatchObject({ status: 'error', error: { name: 'PkceVerifierMissingError' } });
      expect(oidc.tokenRequests).toHaveLength(0);
      expect(browser.href).toBe(REDIRECT_URI);
    },
  );
});
