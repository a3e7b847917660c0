// The DPoP key goes missing while the session stays (headless Chromium, oidc-provider with nonces required,
// refresh tokens bound to the key): site data cleared in part (IndexedDB gone, localStorage kept) between
// page loads, IndexedDB deleted by another tab or cleared by the browser while tabs run. Each case ends
// either in a clean sign-in-required state (LoginRequiredError, the stored set removed, no token request)
// or, when a running tab still holds the key, in one refresh that stores the key back (decision 1202).
import { randomBytes } from 'node:crypto';
import { launchChromium } from '@tessera/e2e-support/launch-chromium';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningProvider, startProvider } from './dpop-provider.js';
import { type ServedPage, serveDPoPPage } from './fixtures/serve-dpop-page.js';

describe('DPoP key lost, session kept (headless Chromium, oidc-provider)', () => {
  let served: ServedPage | undefined;
  let browser: Browser | undefined;
  let provider: RunningProvider | undefined;
  let context: BrowserContext;
  let pageErrors: string[];

  beforeAll(async () => {
    [served, browser] = await Promise.all([serveDPoPPage(), launchChromium()]);
    provider = await startProvider({
      nonceSecret: randomBytes(32),
      resource: () => 'https://api.example/',
      corsOrigins: [new URL(served.url).origin],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await provider?.stop();
  });
  beforeEach(async () => {
    context = await browser!.newContext();
    pageErrors = [];
  });
  afterEach(async () => {
    await context.close();
    expect(pageErrors).toEqual([]);
  });

  async function openTab(): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(served!.url);
    await page.waitForFunction(() => 'dpopPage' in window);
    return page;
  }
  async function reload(page: Page): Promise<void> {
    await page.reload();
    await page.waitForFunction(() => 'dpopPage' in window);
  }
  const thumbprintOf = async (page: Page) => (await page.evaluate(() => window.dpopPage.ready())).thumbprint;
  /** A signed-in session bound to `page`'s key whose access token has expired: the next call refreshes. */
  async function signedIn(page: Page): Promise<string> {
    const thumbprint = await thumbprintOf(page);
    const refreshToken = await provider!.mintRefreshToken(thumbprint);
    await page.evaluate((session) => window.dpopPage.storeSession(session), {
      accessToken: 'expired',
      tokenType: 'DPoP',
      refreshToken,
      expiresAt: Date.now() - 60_000,
    });
    return thumbprint;
  }
  const deleteKeyDatabase = (page: Page) =>
    page.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const request = indexedDB.deleteDatabase('tessera-dpop');
          request.onsuccess = () => resolve();
          request.onerror = () => reject(request.error);
          request.onblocked = () => reject(new Error('deleteDatabase blocked'));
        }),
    );
  const keyDatabases = (page: Page) =>
    page.evaluate(async () =>
      (await indexedDB.databases()).map((db) => db.name).filter((name) => name === 'tessera-dpop'),
    );
  const accessTokens = (tabs: Page[]) =>
    Promise.all(
      tabs.map((tab) => tab.evaluate((url) => window.dpopPage.getAccessToken(url), provider!.tokenUrl)),
    );
  const storedSession = (page: Page) => page.evaluate(() => localStorage.getItem('tessera.tokens'));
  /** What the provider answered since `before`: status and OAuth error of each token request. */
  const requestsSince = (before: number) =>
    provider!.tokenRequests.slice(before).map((entry) => [entry.status, entry.error]);

  it('signs every tab out, with no token request, when IndexedDB was deleted but localStorage kept between page loads', async () => {
    const first = await openTab();
    await signedIn(first);
    await deleteKeyDatabase(first);
    await reload(first);
    const tabs = [first, ...(await Promise.all([openTab(), openTab()]))];
    const before = provider!.tokenRequests.length;

    const results = await accessTokens(tabs);

    expect(results).toEqual(Array(3).fill({ error: 'LOGIN_REQUIRED' }));
    expect(requestsSince(before)).toEqual([]);
    expect(await storedSession(first)).toBeNull();
    expect(await first.evaluate(() => window.dpopPage.events)).toEqual([]);
  });

  it.each([
    ['another tab deletes the IndexedDB database', (tab: Page) => deleteKeyDatabase(tab)],
    [
      'the browser clears IndexedDB only (Clear site data, eviction)',
      async (tab: Page) => {
        const cdp = await context.newCDPSession(tab);
        await cdp.send('Storage.clearDataForOrigin', {
          origin: new URL(served!.url).origin,
          storageTypes: 'indexeddb',
        });
        await cdp.detach();
      },
    ],
  ])(
    'keeps the session of 3 running tabs when %s: one refresh with the key they hold, which is stored back for the next page load',
    async (_, wipe) => {
      const tabs = await Promise.all([openTab(), openTab(), openTab()]);
      const thumbprint = await signedIn(tabs[0]!);
      expect(await Promise.all(tabs.map(thumbprintOf))).toEqual(Array(3).fill(thumbprint));
      await wipe(tabs[0]!);
      expect(await keyDatabases(tabs[0]!)).toEqual([]);
      const before = provider!.tokenRequests.length;

      const results = await accessTokens(tabs);

      const tokens = results.map((result) => ('token' in result ? result.token : result.error));
      expect(new Set(tokens).size).toBe(1);
      expect(tokens[0]).toMatch(/^ey/);
      expect(requestsSince(before)).toEqual([
        [400, 'use_dpop_nonce'],
        [200, undefined],
      ]);
      await reload(tabs[1]!);
      expect(await thumbprintOf(tabs[1]!)).toBe(thumbprint);
      expect(await tabs[1]!.evaluate(() => window.dpopPage.loadSession())).toEqual({
        accessToken: tokens[0],
      });
      expect(await tabs[1]!.evaluate(() => window.dpopPage.events)).toEqual([]);
    },
  );

  it('signs the running tabs out too, with no refresh sent under the new key, when a tab loaded after IndexedDB was deleted', async () => {
    const running = await Promise.all([openTab(), openTab()]);
    const thumbprint = await signedIn(running[0]!);
    await Promise.all(running.map(thumbprintOf));
    await deleteKeyDatabase(running[0]!);
    const opened = await openTab(); // a new key: the old one is gone for every page load from now on
    expect(await thumbprintOf(opened)).not.toBe(thumbprint);
    const before = provider!.tokenRequests.length;

    const [newTab] = await accessTokens([opened]);
    const others = await accessTokens(running);

    expect(newTab).toEqual({ error: 'LOGIN_REQUIRED' });
    expect(others).toEqual(Array(2).fill({ error: 'LOGIN_REQUIRED' }));
    expect(requestsSince(before)).toEqual([]);
    expect(await storedSession(opened)).toBeNull();
  });

  // Accepted in decision 1202 (the two-clients update): `dpop.fetch` signs with the stored key, so the running
  // tab's refresh carries the new key's proof and is refused once; the session then ends cleanly.
  it('signs a running tab out with one refused refresh when a page load stored a new key after IndexedDB was deleted, without reading the session', async () => {
    const running = await openTab();
    const thumbprint = await signedIn(running);
    await deleteKeyDatabase(running);
    const opened = await openTab(); // e.g. a sign-in page that asks ready() for dpop_jkt
    expect(await thumbprintOf(opened)).not.toBe(thumbprint);
    const before = provider!.tokenRequests.length;

    const [refused] = await accessTokens([running]);
    const [again] = await accessTokens([running]);
    const [newTab] = await accessTokens([opened]);

    expect(refused).toEqual({ error: 'OAUTH_ERROR:invalid_grant' });
    expect(again).toEqual({ error: 'LOGIN_REQUIRED' });
    expect(newTab).toEqual({ error: 'LOGIN_REQUIRED' });
    expect(requestsSince(before)).toEqual([
      [400, 'use_dpop_nonce'],
      [400, 'invalid_grant'],
    ]);
    expect(await storedSession(opened)).toBeNull();
  });
});
