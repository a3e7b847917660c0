import { launchChromium } from '@tessera/e2e-support/launch-chromium';
import { bundlePage } from '@tessera/e2e-support/serve-page';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopbackServer } from '../../e2e-support/test-support/loopback-server.js';
import { type Origin, redirectOrigins } from '../../e2e-support/test-support/redirect-origins.js';

// @tessera/fetch in a real browser (PITFALLS-FETCH-DPOP, redirects): the page and its API on one
// origin, a redirect to another origin (another port). Chromium strips Authorization on the
// cross-origin hop; response.url tells the wrapper the 401 came from there: nothing is refreshed.
let page: Origin;
let other: Origin;
let thief: Origin;
const leaked: unknown[] = [];
let browser: Browser;

beforeAll(async () => {
  const script = await bundlePage(new URL('./fixtures/redirect-page.ts', import.meta.url));
  ({ page, other } = await redirectOrigins(script, 'at-1'));
  // Another origin that lets the browser send it anything (CORS open to X-Api-Token).
  thief = await loopbackServer((seen, res, req) => {
    if (seen.method !== 'OPTIONS') leaked.push(req.headers['x-api-token']);
    const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': 'x-api-token' };
    res.writeHead(seen.method === 'OPTIONS' ? 204 : 200, cors).end();
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await page?.close();
  await other?.close();
  await thief?.close();
});

describe('withTokens in Chromium: a redirect to another origin', () => {
  it('never carries the token there, and its 401 refreshes nothing', async () => {
    const tab = await browser.newPage();
    await tab.goto(`${page.origin}/`);
    await tab.waitForFunction(() => 'tessera' in window);
    const to = `${other.origin}/x`;
    const result = await tab.evaluate(
      (path) => (window as unknown as Tessera).tessera.call(path),
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

describe('withTokens in Chromium: a token in a custom header', () => {
  it('never follows a redirect (the browser would send it anywhere): the call rejects, nothing reaches the other origin', async () => {
    const tab = await browser.newPage();
    await tab.goto(`${page.origin}/`);
    await tab.waitForFunction(() => 'tessera' in window);
    const to = `${thief.origin}/steal`;
    const result = await tab.evaluate(
      ([path, header]) => (window as unknown as Tessera).tessera.call(path, header),
      [`/redirect?to=${encodeURIComponent(to)}`, 'X-Api-Token'] as const,
    );
    await tab.close();
    expect(result).toEqual({ error: 'TypeError' });
    expect(leaked).toEqual([]);
  });
});

/** What the bundled page (fixtures/redirect-page.ts) puts on `window`. */
interface Tessera {
  tessera: { call(path: string, header?: string): Promise<unknown> };
}
