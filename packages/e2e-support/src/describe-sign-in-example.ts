import { statSync } from 'node:fs';
import {
  type ExampleApi,
  type IdentityProvider,
  signInThroughForms,
  startExampleApi,
  startIdentityProvider,
} from '@tessera/example-identity-provider';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BrowserExample } from './describe-browser-example.js';
import { ExamplePage } from './example-page.js';
import { freePort } from './free-port.js';
import { launchChromium } from './launch-chromium.js';
import { saveScreenshot } from './save-screenshot.js';
import { type ServedExample, serveExample } from './serve-example.js';
import { signInAtProvider } from './sign-in-at-provider.js';

/** Access-token lifetime at the provider: the manager refreshes in the background at half of it. */
const ACCESS_TOKEN_TTL = 6_000;

/**
 * The end-to-end specification of an example signing in for real: the app is built with
 * `VITE_ISSUER` / `VITE_API_URL` pointing at `examples/identity-provider` (oidc-provider, SPA client:
 * public, PKCE required, refresh-token rotation with reuse detection, 6 s access tokens, revocation)
 * and its JWT-verifying API, and driven in Debian Chromium through the provider's own login page.
 * Saves `.artifacts/screenshots/<name>-signed-in.png` and `<name>-signed-in-phone.png`.
 */
export function describeSignInExample({ name, root }: BrowserExample): void {
  describe(`examples/${name} signing in at a real identity provider`, () => {
    let provider: IdentityProvider;
    let api: ExampleApi;
    let served: ServedExample | undefined;
    let browser: Browser | undefined;
    let context: BrowserContext;
    let pages: ExamplePage[] = [];
    let appOrigin: string;
    /** Refresh tokens the provider issued to the pages of this test, in order. */
    let refreshTokens: string[] = [];

    beforeAll(async () => {
      const port = await freePort();
      appOrigin = `http://127.0.0.1:${port}`;
      provider = await startIdentityProvider({
        port: 0,
        appOrigins: [appOrigin],
        accessTokenTtl: ACCESS_TOKEN_TTL,
      });
      api = await startExampleApi({
        issuer: provider.issuer,
        audience: provider.apiResource,
        appOrigins: [appOrigin],
      });
      const env = {
        VITE_ISSUER: provider.issuer,
        VITE_CLIENT_ID: provider.clientId,
        VITE_API_URL: `${api.url}/me`,
      };
      [served, browser] = await Promise.all([serveExample(root, { env, port }), launchChromium()]);
    });

    afterAll(async () => {
      await browser?.close();
      await served?.close();
      await Promise.all([provider?.close(), api?.close()]);
    });

    beforeEach(async () => {
      context = await browser!.newContext({ viewport: { width: 900, height: 700 } });
      refreshTokens = [];
    });

    afterEach(async () => {
      const errors = pages.flatMap((page) => page.errors);
      pages = [];
      await context.close();
      expect(errors).toEqual([]);
    });

    /** Opens the app in a new tab of this test's browser context, recording the refresh tokens it receives. */
    async function openTab(): Promise<Page> {
      const page = await context.newPage();
      // Read where it passes through, not afterwards through the devtools protocol: there, Chromium
      // often had no body for the token response (read by the page as a stream since decision 0805), and
      // `response.json()` failed with "No data found for resource with given identifier".
      await page.route(`${provider.issuer}/token`, async (route) => {
        const response = await route.fetch();
        if (response.status() === 200) {
          const body = (await response.json()) as { refresh_token?: string };
          if (body.refresh_token) refreshTokens.push(body.refresh_token);
        }
        await route.fulfill({ response });
      });
      return page;
    }

    /** A tab on the app's sign-in screen (after its silent sign-in attempt found no provider session). */
    async function open(): Promise<ExamplePage> {
      const app = await ExamplePage.attach(await openTab(), `${served!.url}`);
      pages.push(app);
      return app;
    }

    async function signedIn(): Promise<ExamplePage> {
      const app = await open();
      await app.click('Sign in');
      await signInAtProvider(app.page, appOrigin);
      await app.waitFor('session');
      return app;
    }

    const count = (grantType: string) => provider.tokenRequests(grantType).length;

    async function refreshAtProvider(refreshToken: string): Promise<{ status: number; error?: string }> {
      const response = await fetch(`${provider.issuer}/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          client_id: provider.clientId,
          refresh_token: refreshToken,
        }),
      });
      const body = (await response.json()) as { error?: string };
      return { status: response.status, ...(body.error ? { error: body.error } : {}) };
    }

    it('signs in through the login page (code + PKCE), lands back signed in and calls the API; saves screenshots', async () => {
      const before = count('authorization_code');
      const page = await signedIn();

      expect(await page.text('user')).toBe('Alice Liddell');
      expect(
        provider
          .tokenRequests('authorization_code')
          .slice(before)
          .map((r) => r.status),
      ).toEqual([200]);
      expect(new URL(page.page.url()).search).toBe(''); // code, state and iss are gone from the address bar
      await page.click('Call the API');
      await expect.poll(() => page.text('api-result')).toMatch(/^200 \{.*"sub":"alice".*\}$/);
      expect(api.requestLog.at(-1)).toMatchObject({ status: 200 });

      const desktop = await saveScreenshot(page.page, `${name}-signed-in`);
      await page.page.setViewportSize({ width: 390, height: 844 });
      expect(await page.layoutProblems()).toEqual([]);
      const phone = await saveScreenshot(page.page, `${name}-signed-in-phone`);
      for (const file of [desktop, phone]) expect(statSync(file).size).toBeGreaterThan(10_000);
    });

    it('refreshes once when the access token expires, with a rotated refresh token, and the API still answers', async () => {
      const page = await signedIn();
      const before = count('refresh_token');
      const hash = await page.text('token-hash');

      await expect
        .poll(() => count('refresh_token'), { timeout: ACCESS_TOKEN_TTL * 2 })
        .toBeGreaterThan(before);
      expect(
        provider
          .tokenRequests('refresh_token')
          .slice(before)
          .map((r) => r.status),
      ).toEqual([200]);
      await expect.poll(() => page.text('token-hash')).not.toBe(hash);
      const newHash = await page.text('token-hash');
      await expect
        .poll(async () => (await page.timeline()).filter((line) => line.kind === 'refresh'))
        .toEqual([{ kind: 'refresh', count: 1, what: 'refresh (background)', status: 'ok', token: newHash }]);
      await expect.poll(() => refreshTokens.length).toBe(2);
      expect(refreshTokens[1]).not.toBe(refreshTokens[0]); // rotated
      // The rotated-out refresh token is dead now (and reusing it would end the grant: not tried here).
      await page.click('Call the API');
      await expect.poll(() => page.text('api-result')).toMatch(/^200 /);
    });

    it('continues the session after a reload: memory is empty, the provider signs the tab in again without a page', async () => {
      const page = await signedIn();
      const before = count('authorization_code');

      await page.page.reload();
      await page.waitFor('session');

      expect(await page.text('user')).toBe('Alice Liddell');
      expect(
        provider
          .tokenRequests('authorization_code')
          .slice(before)
          .map((r) => r.status),
      ).toEqual([200]);
      expect(page.page.url()).toBe(`${appOrigin}/`);
      await page.click('Call the API');
      await expect.poll(() => page.text('api-result')).toMatch(/^200 /);
    });

    it('serves 5 tabs with one refresh per expiry: the tabs share one token set', async () => {
      const first = await signedIn();
      const others = await Promise.all(
        Array.from({ length: 4 }, async () => {
          const app = ExamplePage.attachSignedIn(await openTab(), `${served!.url}`);
          pages.push(await app);
          return app;
        }),
      );
      const tabs = [first, ...others];
      const hashes = () => Promise.all(tabs.map((tab) => tab.text('token-hash')));
      const shared = async () => {
        const all = await hashes();
        return new Set(all).size === 1 && /^[0-9a-f]{8}$/.test(all[0] ?? '') ? all[0] : undefined;
      };

      await expect.poll(shared, { timeout: ACCESS_TOKEN_TTL * 2 }).toBeDefined();
      const before = count('refresh_token');
      const hash = await shared();
      await expect
        .poll(
          async () => {
            const now = await shared();
            return now !== undefined && now !== hash;
          },
          { timeout: ACCESS_TOKEN_TTL * 2 },
        )
        .toBe(true);

      expect(
        provider
          .tokenRequests('refresh_token')
          .slice(before)
          .map((r) => r.status),
      ).toEqual([200]);
    });

    it('signs out: the refresh token is revoked at the provider, a later refresh with it fails, and the other tab is signed out too', async () => {
      const page = await signedIn();
      const other = await ExamplePage.attachSignedIn(await openTab(), `${served!.url}`);
      pages.push(other);
      // The second tab signed in without a page and shared its set. On a loaded machine the 6 s tokens
      // may be refreshed again before the sign-out: the one to find revoked is the newest at sign-out.
      await expect.poll(() => refreshTokens.length).toBeGreaterThanOrEqual(2);
      await expect
        .poll(async () => (await other.text('token-hash')) === (await page.text('token-hash')))
        .toBe(true);

      await page.click('Sign out');
      await page.page.waitForURL((url) => url.origin === provider.issuer);
      await page.page.getByRole('button', { name: /yes/i }).click();
      await page.page.waitForURL((url) => url.origin === appOrigin);
      await page.waitFor('sign-in');
      const refreshToken = refreshTokens.at(-1);

      expect(await page.text('notice')).toBe('You signed out.');
      await other.waitFor('sign-in');
      expect(await other.text('notice')).toBe('You signed out in another tab.');
      expect(provider.requestLog.filter((r) => r.path === '/token/revocation').at(-1)?.status).toBe(200);
      expect(await refreshAtProvider(refreshToken!)).toEqual({ status: 400, error: 'invalid_grant' });
    });

    it('says clearly that sign-in was cancelled when the user presses Cancel at the provider', async () => {
      const before = count('authorization_code');
      const page = await open();
      await page.click('Sign in');
      await signInAtProvider(page.page, appOrigin, 'cancel');

      await page.waitFor('sign-in');
      await expect
        .poll(() => page.text('sign-in-error'))
        .toBe('Sign-in was cancelled at the identity provider (access_denied).');
      expect(count('authorization_code')).toBe(before);
      expect(await page.text('session')).toBeUndefined();
    });

    it('rejects a callback whose state was tampered with, and sends no token request', async () => {
      const before = count('authorization_code');
      const page = await open();
      // Catch the app's authorization request, sign in with it outside the browser, tamper with the callback's state.
      const authorizationUrl = new Promise<string>((resolve) => {
        void page.page.route(
          (url) => url.origin === provider.issuer && url.pathname === '/auth',
          async (route) => {
            resolve(route.request().url());
            await route.fulfill({ status: 200, contentType: 'text/html', body: '<p>held by the test</p>' });
          },
        );
      });
      await page.click('Sign in');
      const callback = new URL(await signInThroughForms(await authorizationUrl));
      expect(callback.searchParams.get('code')).toBeTruthy();
      callback.searchParams.set('state', `${callback.searchParams.get('state')}x`);
      await page.page.goto(callback.href);

      await page.waitFor('sign-in');
      await expect
        .poll(() => page.text('sign-in-error'))
        .toBe(
          'This sign-in response was ignored and no token was requested: it was already used, was not for a sign-in started here, or repeated a parameter (STALE_CALLBACK).',
        );
      expect(count('authorization_code')).toBe(before);
      expect(await page.text('session')).toBeUndefined();
    });
  });
}
