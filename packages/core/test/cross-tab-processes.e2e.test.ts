import { launchChromium } from '@tessera/e2e-support/launch-chromium';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CallResult } from './fixtures/cross-tab-page.js';
import { type ServedPage, serveCrossTabPage } from './fixtures/serve-cross-tab-page.js';
import { startTokenServer, type TokenServer } from './fixtures/token-server.js';

/**
 * Chromium keeps a copy of `localStorage` in each renderer process and tells the others of a write
 * asynchronously, on another pipe than BroadcastChannel's and Web Locks': in a tab of another process,
 * a read right after the channel message, or right after a lock grant, may still see the old value
 * (decision 0601, update of stop 38). Tabs opened with `context.newPage()` are each in their own process.
 */
describe('crossTab in headless Chromium with each tab in its own renderer process', () => {
  let served: ServedPage | undefined;
  let browser: Browser | undefined;
  let server: TokenServer;
  let context: BrowserContext;
  let pageErrors: string[];

  beforeAll(async () => {
    [served, browser] = await Promise.all([serveCrossTabPage(), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  beforeEach(async () => {
    server = await startTokenServer();
    context = await browser!.newContext();
    pageErrors = [];
  });

  afterEach(async () => {
    await context.close();
    await server.close();
    expect(pageErrors).toEqual([]);
  });

  /** Opens one tab per entry of `queries` in the context (one origin: shared localStorage, channels, locks). */
  async function openTabs(queries: Record<string, string>[]): Promise<Page[]> {
    const tabs: Page[] = [];
    for (const query of queries) {
      const page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(`${served!.url}?${new URLSearchParams({ tokenUrl: server.tokenUrl, ...query })}`);
      await page.waitForFunction(() => 'tessera' in window);
      tabs.push(page);
    }
    return tabs;
  }

  /** Waits until the registry shows one tab holding the refresh lock and `waiting` tabs queued for it. */
  async function lockQueue(page: Page, waiting: number): Promise<void> {
    await page.waitForFunction(
      async ({ name, waiting }) => {
        const { held = [], pending = [] } = await navigator.locks.query();
        const holders = held.filter((lock) => lock.name === name).length;
        return holders === 1 && pending.filter((lock) => lock.name === name).length === waiting;
      },
      { name: 'tessera/tessera:tessera', waiting },
    );
  }

  const token = (result: CallResult): string => ('token' in result ? result.token : result.error);

  it('puts every tab of one context in its own renderer process: a crashed tab takes no other down', async () => {
    const tabs = await openTabs([{}, {}, {}]);
    const crashed = tabs.map(() => false);
    for (const [index, tab] of tabs.entries())
      tab.on('crash', () => {
        crashed[index] = true;
      });

    for (const index of [0, 1]) {
      const gone = new Promise((resolve) => tabs[index]!.once('crash', resolve));
      const cdp = await context.newCDPSession(tabs[index]!);
      void cdp.send('Page.crash').catch(() => {});
      await gone;
      const alive = await Promise.all(
        tabs.slice(index + 1).map((tab) => tab.evaluate(() => 'tessera' in window)),
      );
      expect(alive).toEqual(tabs.slice(index + 1).map(() => true));
    }
    expect(crashed).toEqual([true, true, false]);
  });

  it.each([
    ['tabs of this release', [{}, {}, {}]],
    ['one tab of an older release (keyless messages)', [{ legacy: '1' }, {}, {}]],
  ])(
    'sends 200 refreshes alternating between three tabs (%s) with the newest refresh token each time',
    async (_, queries) => {
      const tabs = await openTabs(queries);
      const { accessToken, refreshToken } = await server.signIn();
      await tabs[0]!.evaluate((tokens) => window.tessera.setTokens(tokens), {
        access_token: accessToken,
        refresh_token: refreshToken,
        expires_in: 600,
      });

      const tokens: string[] = [accessToken];
      for (let i = 0; i < 200; i++) {
        // The tab heard the newest set (a forced refresh started before that adopts it, without a request).
        const tab = tabs[i % 3]!;
        await tab.waitForFunction((newest) => window.tessera.current() === newest, tokens.at(-1)!);
        tokens.push(token(await tab.evaluate(() => window.tessera.refresh())));
      }

      expect(server.refreshRequests()).toEqual(Array(200).fill({ status: 200 }));
      expect(new Set(tokens).size).toBe(201);
      const newest = tokens.at(-1)!;
      for (const tab of tabs)
        await tab.waitForFunction((newest) => window.tessera.current() === newest, newest);
      expect(
        (await Promise.all(tabs.map((tab) => tab.evaluate(() => window.tessera.getAccessToken())))).map(
          token,
        ),
      ).toEqual([newest, newest, newest]);
      expect(server.refreshRequests()).toEqual(Array(200).fill({ status: 200 }));
    },
  );

  it('sends no spent refresh token in 100 rounds where a tab of an older release refreshes while two tabs wait for the lock', async () => {
    const tabs = await openTabs([{ legacy: '1' }, {}, {}]);
    const { accessToken, refreshToken } = await server.signIn();
    await tabs[0]!.evaluate((tokens) => window.tessera.setTokens(tokens), {
      access_token: accessToken,
      refresh_token: refreshToken,
      expires_in: 600,
    });
    for (const tab of tabs)
      await tab.waitForFunction((first) => window.tessera.current() === first, accessToken);

    for (let round = 0; round < 100; round++) {
      const held = server.holdNextRequest();
      const first = tabs[0]!.evaluate(() => window.tessera.refresh());
      await held.arrived;
      const others = Promise.all(tabs.slice(1).map((tab) => tab.evaluate(() => window.tessera.refresh())));
      await lockQueue(tabs[1]!, 2);
      held.release();
      const results = [await first, ...(await others)];
      expect(results.filter((result) => !('token' in result))).toEqual([]);
      expect(new Set(results.map(token)).size).toBe(1);
    }

    expect(server.refreshRequests()).toEqual(Array(100).fill({ status: 200 }));
  });
});
