import { createRequire } from 'node:module';
import { failUnhandledRequest } from '@tessera/testing';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { installFakeBrowser } from '../../test/fixtures/fake-browser.js';
import { CLIENT_ID, fakeOidcServer, ISSUER, REDIRECT_URI } from '../../test/fixtures/fake-oidc-server.js';
import { isTesseraError } from '../errors/guards.js';
import type * as esm from '../index.js';
import { TokenManager } from '../token-manager.js';
import { createSignIn } from './create-sign-in.js';

/**
 * Two copies of core in one app (pinned as supported in packages/{fetch,axios}/src/s37-two-copies-of-core.test.ts):
 * a `fetch` given to `createSignIn` that throws a Tessera error of the other copy (a `dpop.fetch` or
 * decorator built on it) — here the built CommonJS file beside these sources. The token request passes a
 * Tessera error on as it is (the brand), and so does the callback's result: not `SIGN_IN_FAILED` around it.
 * Reads core's build: `pnpm --filter @tessera/core build` first (`pnpm check` builds before its tests).
 */
const cjs = createRequire(import.meta.url)('../../dist/index.cjs') as typeof esm;
const now = 1_700_000_000_000;
const clock = () => now;
const msw = setupServer();
let oidc: ReturnType<typeof fakeOidcServer>;

beforeAll(() => msw.listen({ onUnhandledRequest: failUnhandledRequest }));
afterAll(() => msw.close());
beforeEach(() => {
  oidc = fakeOidcServer(clock);
  msw.use(...oidc.handlers);
  installFakeBrowser('https://app.example.test/orders');
});
afterEach(() => msw.resetHandlers());

describe("a sign-in whose fetch throws another copy's Tessera error", () => {
  it('handleCallback() resolves with that error itself, not SIGN_IN_FAILED around it; nothing stored', async () => {
    const thrown = new cjs.TimeoutError(10_000, `POST ${ISSUER}/token`, 'Token request');
    const tokens = new TokenManager({ fetchTokens: () => new Promise(() => {}), clock, retry: false });
    const signIn = createSignIn({
      issuer: ISSUER,
      clientId: CLIENT_ID,
      redirectUri: REDIRECT_URI,
      tokens,
      clock,
      navigate: () => {},
      fetch: (input, init) =>
        String(input).endsWith('/token') ? Promise.reject(thrown) : fetch(input, init),
    });
    const callback = oidc.authorize((await signIn.buildAuthorizationUrl()).href);
    const result = await signIn.handleCallback(callback);
    expect(result.status).toBe('error');
    const error = result.status === 'error' ? result.error : undefined;
    expect(error).toBe(thrown);
    expect(isTesseraError(error, 'TIMEOUT')).toBe(true);
    expect(tokens.peekTokens()).toBeUndefined();
    tokens.dispose();
  });
});
