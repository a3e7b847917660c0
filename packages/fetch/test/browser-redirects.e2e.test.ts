import { launchChromium } from '@tessera/e2e-support/launch-chromium';
import { bundlePage } from '@tessera/e2e-support/serve-page';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Origin, redirectOrigins } from '../../e2e-support/test-support/redirect-origins.js';

// @tessera/fetch in a real browser (PITFALLS-FETCH-DPOP, redirects): the page and its API on one
// origin, a redirect to another origin (another port). Chromium strips Authorization on the
// cross-origin hop; response.url tells the wrapper the 401 came from there: nothing is refreshed.
let page: Origin;
let other: Origin;
let browser: Browser;

beforeAll(async () => {
  const script = await bundlePage(new URL('./fixtures/redirect-page.ts', import.meta.url));
  ({ page, other } = await redirectOrigins(script, 'at-1'));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await page?.close();
  await other?.close();
});

describe('withTokens in Chromium: a redirect to another origin', () => {
  it('never carries the token there, and its 401 refreshes nothing', async () => {
    const tab = await browser.newPage();
    await tab.goto(`${page.origin}/`);
    await tab.waitForFunction(() => 'tessera' in window);
    const to = `${other.origin}/x`;
    const result = await tab.evaluate(
      (path) => (window as unknown as { tessera: { call(p: string): Promise<unknown> } }).tessera.call(path),
      `/redirect?to=${encodeURIComponent(to)}`,
    );
    await tab.close();
    expect(
      page.seen.filter((seen) => seen.path.startsWith('/redirect')).map((seen) => seen.authorization),
    ).toEqual(['Bearer at-0']);
    const reached = other.seen.filter((seen) => seen.method === 'GET');
    expect(reached.map((seen) => seen.authorization)).toEqual([null]);
    expect(result).toEqual({ status: 401, redirected: true, tokenRequests: 0, invalidated: [] });
  });
});
