// Five tabs of one origin share one DPoP session in headless Chromium: one key in IndexedDB, the
// session in localStorage bound to it, crossTab() around the refresh, and oidc-provider (another
// origin: CORS, `DPoP-Nonce` exposed) rotating refresh tokens bound to the key. Without the shared
// key and lock, a second tab would spend the rotated refresh token and get invalid_grant.
import { randomBytes } from 'node:crypto';
import { launchChromium } from '@tessera/e2e-support/launch-chromium';
import { decodeJwt } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningProvider, startProvider } from './dpop-provider.js';
import { type ServedPage, serveDPoPPage } from './fixtures/serve-dpop-page.js';

describe('5 tabs share one DPoP session (headless Chromium, oidc-provider with nonces required)', () => {
  let served: ServedPage | undefined;
  let browser: Browser | undefined;
  let provider: RunningProvider | undefined;
  let context: BrowserContext | undefined;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [served, browser] = await Promise.all([serveDPoPPage(), launchChromium()]);
    provider = await startProvider({
      nonceSecret: randomBytes(32),
      resource: () => 'https://api.example/',
      corsOrigins: [new URL(served.url).origin],
    });
    context = await browser.newContext();
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await served?.close();
    await provider?.stop();
  });

  async function openTab(): Promise<Page> {
    const page = await context!.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(served!.url);
    await page.waitForFunction(() => 'dpopPage' in window);
    return page;
  }

  it('refreshes once for 5 tabs asking at once: one key, one token, no invalid_grant', async () => {
    const first = await openTab();
    const { thumbprint, persistent } = await first.evaluate(() => window.dpopPage.ready());
    expect(persistent).toBe(true);
    const refreshToken = await provider!.mintRefreshToken(thumbprint);
    await first.evaluate((session) => window.dpopPage.storeSession(session), {
      accessToken: 'expired',
      tokenType: 'DPoP',
      refreshToken,
      expiresAt: Date.now() - 60_000,
    });
    const tabs = [first, ...(await Promise.all(Array.from({ length: 4 }, openTab)))];
    const before = provider!.tokenRequests.length;

    const results = await Promise.all(
      tabs.map((tab) => tab.evaluate((url) => window.dpopPage.getAccessToken(url), provider!.tokenUrl)),
    );

    const tokens = results.map((result) => ('token' in result ? result.token : result.error));
    expect(new Set(tokens).size).toBe(1);
    expect(decodeJwt(tokens[0] ?? '').cnf).toEqual({ jkt: thumbprint });
    const requests = provider!.tokenRequests.slice(before);
    expect(requests.map((entry) => [entry.status, entry.error])).toEqual([
      [400, 'use_dpop_nonce'],
      [200, undefined],
    ]);
    expect(requests.every((entry) => entry.dpop !== undefined)).toBe(true);
    const keys = await Promise.all(tabs.map((tab) => tab.evaluate(() => window.dpopPage.ready())));
    expect(new Set(keys.map((key) => key.thumbprint))).toEqual(new Set([thumbprint]));
    expect(pageErrors).toEqual([]);
  });
});
