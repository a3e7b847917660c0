import { launchChromium } from '@tessera/e2e-support/launch-chromium';
import {
  type ExampleApi,
  type IdentityProvider,
  startExampleApi,
  startIdentityProvider,
} from '@tessera/example-identity-provider';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isOAuthError, requestToken } from '../src/index.js';
import { type SignInApp, serveSignInApp } from './fixtures/serve-sign-in-page.js';
import type { SignInPageState } from './fixtures/sign-in-page.js';

// createSignIn in headless Chromium (real location, history, sessionStorage, WebCrypto and CORS)
// against the example identity provider's real login page.
describe('sign-in in headless Chromium against oidc-provider', () => {
  let app: SignInApp;
  let provider: IdentityProvider;
  let api: ExampleApi;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[];

  beforeAll(async () => {
    [app, browser] = await Promise.all([serveSignInApp(), launchChromium({ backForwardCache: true })]);
    provider = await startIdentityProvider({ port: 0, appOrigins: [app.origin] });
    api = await startExampleApi({
      issuer: provider.issuer,
      audience: provider.apiResource,
      appOrigins: [app.origin],
    });
    app.configure({ issuer: provider.issuer, clientId: provider.clientId, api: api.url });
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([app?.close(), provider?.close(), api?.close()]);
  });
  beforeEach(async () => {
    page = await (await browser.newContext()).newPage();
    pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });
  afterEach(async () => {
    await page.context().close();
    expect(pageErrors).toEqual([]);
  });

  const loaded = async (url?: string): Promise<SignInPageState> => {
    if (url) await page.goto(url);
    await page.waitForFunction(() => document.title === 'ready');
    return page.evaluate(() => (window as unknown as { app: { state: SignInPageState } }).app.state);
  };
  const start = (returnTo?: string) =>
    page.evaluate(
      (to) => void (window as never as { app: { start(to?: string): Promise<void> } }).app.start(to),
      returnTo,
    );
  const call = <T>(method: string) =>
    page.evaluate(
      (name) => (window as never as { app: Record<string, () => unknown> }).app[name]?.(),
      method,
    ) as Promise<T>;

  async function signInThroughThePage(button: 'Sign in' | 'Cancel' = 'Sign in'): Promise<SignInPageState> {
    await page.waitForURL(`${provider.issuer}/interaction/**`);
    await page.fill('#username', 'alice');
    await page.fill('#password', 'wonderland');
    await page.click(`button:has-text("${button}")`);
    if (button === 'Sign in') await page.click('button:has-text("Allow")');
    await page.waitForURL(`${app.origin}/callback**`);
    return loaded();
  }

  it('signs in through the login page, lands clean on the callback, calls the API; a reload signs in again without the form', async () => {
    expect((await loaded(`${app.origin}/orders?tab=open`)).result.status).toBe('not-a-callback');
    await start();
    const state = await signInThroughThePage();
    expect(state.result).toEqual({ status: 'handled', returnTo: '/orders?tab=open' });
    expect(state.href).toBe(`${app.origin}/callback`);
    expect(await call('name')).toBe('Alice Liddell');
    expect(await call('callApi')).toEqual({
      status: 200,
      body: expect.objectContaining({ sub: 'alice', scope: 'api:read' }),
    });
    expect(provider.tokenRequests('authorization_code')).toHaveLength(1);

    // Tokens live in memory: a reload loses them, and a new start() returns at once through the provider session.
    expect((await loaded(`${app.origin}/`)).result.status).toBe('not-a-callback');
    await start('/again');
    await page.waitForURL(`${app.origin}/callback**`);
    expect((await loaded()).result).toEqual({ status: 'handled', returnTo: '/again' });
    expect(
      provider.requestLog.filter(
        (entry) => entry.path.startsWith('/interaction/') && entry.method === 'POST',
      ),
    ).toHaveLength(2);
  });

  it('replaying the used callback URL is stale, and a tampered state is rejected, with no token request', async () => {
    await loaded(`${app.origin}/`);
    await start();
    const callback = page.waitForRequest((request) => request.url().startsWith(`${app.origin}/callback?`));
    await signInThroughThePage();
    const used = (await callback).url();
    expect(new URL(used).searchParams.has('code')).toBe(true);
    const before = provider.tokenRequests().length;

    // A reload of the callback before it was cleaned, or Back to it: the transaction is used, the tokens were in memory.
    expect((await loaded(used)).result).toMatchObject({
      status: 'error',
      error: { code: 'STALE_CALLBACK', reason: 'replayed' },
    });
    expect(page.url()).toBe(`${app.origin}/callback`);

    const tampered = new URL(used);
    tampered.searchParams.set('state', 'tampered');
    expect((await loaded(tampered.href)).result).toMatchObject({
      status: 'error',
      error: { code: 'STALE_CALLBACK', reason: 'unknown-state' },
    });
    expect(page.url()).toBe(`${app.origin}/callback`);
    expect(provider.tokenRequests()).toHaveLength(before);
  });

  it('Back from the provider restores the page from the bfcache; a store created while start() navigated leaves loading', async () => {
    await loaded(`${app.origin}/orders`);
    await page.evaluate(() => (window as never as { app: { startWithStore(): void } }).app.startWithStore());
    await page.waitForURL(`${provider.issuer}/interaction/**`);
    // No `load` on a page restored from the bfcache: wait for the commit only.
    await page.goBack({ waitUntil: 'commit' });
    await page.waitForURL(`${app.origin}/orders`, { waitUntil: 'commit' });
    await page.waitForFunction(
      () =>
        (window as never as { app: { storeStatus(): { status?: string } } }).app.storeStatus().status !==
        'loading',
    );
    expect(await call('storeStatus')).toEqual({ status: 'signed-out', restored: true });
    // Usable: a sign-in from here goes to the provider again and completes.
    await start();
    expect((await signInThroughThePage()).result.status).toBe('handled');
  });

  it('Cancel at the provider comes back as access_denied, shown once, URL clean', async () => {
    await loaded(`${app.origin}/`);
    await start();
    const state = await signInThroughThePage('Cancel');
    expect(state.result).toMatchObject({
      status: 'error',
      error: { code: 'OAUTH_ERROR', error: 'access_denied' },
    });
    expect(state.href).toBe(`${app.origin}/callback`);
  });

  it('signOut revokes the refresh token and goes to the provider logout page', async () => {
    await loaded(`${app.origin}/`);
    await start();
    await signInThroughThePage();
    const refreshToken = await call<string>('refreshToken');
    const signingOut = call<{ revoked: boolean; warnings: number }>('signOut').catch(() => undefined);
    await page.waitForURL(`${provider.issuer}/session/end**`);
    await signingOut;
    expect(
      provider.requestLog.some((entry) => entry.path === '/token/revocation' && entry.status === 200),
    ).toBe(true);
    await expect(
      requestToken({
        tokenUrl: `${provider.issuer}/token`,
        grantType: 'refresh_token',
        clientId: provider.clientId,
        params: { refresh_token: refreshToken },
      }),
    ).rejects.toSatisfy((error) => isOAuthError(error, 'invalid_grant'));
  });
});
