import { launchChromium } from '@tessera/e2e-support/launch-chromium';
import { bundlePage } from '@tessera/e2e-support/serve-page';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopbackServer } from '../../e2e-support/test-support/loopback-server.js';
import { type Origin, redirectOrigins } from '../../e2e-support/test-support/redirect-origins.js';

// Issue 10 items 2–3 in a real browser: the page and its API on one origin, a redirect to another
// origin (another port). Chromium strips Authorization on the cross-origin hop (Fetch spec); the
// XHR adapter's responseURL, or the fetch adapter's response.url (through a wrapped env.fetch),
// tells the interceptor the 401 came from there, so nothing is refreshed.
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

describe('axios in Chromium: redirects to another origin', () => {
  it.each([
    ['xhr', 'newest'],
    ['fetch', 'newest'],
    ['xhr', '1.12.0'],
    ['fetch', '1.12.0'],
  ] as const)('never carry the token there (%s adapter, axios %s)', async (adapter, version) => {
    const tab = await browser.newPage();
    await tab.goto(`${page.origin}/`);
    await tab.waitForFunction(() => 'tessera' in window);
    const to = `${other.origin}/x`;
    const result = await tab.evaluate(
      ([name, path, release]) =>
        (
          window as unknown as { tessera: { call(a: string, p: string, v: string): Promise<unknown> } }
        ).tessera.call(name, path, release),
      [adapter, `/redirect?to=${encodeURIComponent(to)}`, version] as const,
    );
    await tab.close();
    expect(
      page.seen.filter((seen) => seen.path.startsWith('/redirect')).map((seen) => seen.authorization)[0],
    ).toBe('Bearer at-0');
    const reached = other.seen.filter((seen) => seen.method === 'GET');
    expect(reached.length).toBeGreaterThan(0);
    expect(reached.every((seen) => seen.authorization === null)).toBe(true);
    // XHR: responseURL is the other origin; fetch: the wrapped env.fetch saw response.url there
    // (decision 0205). Either way the 401 is not about our token.
    expect(result).toEqual({ status: 401, tokenRequests: 0, invalidated: [] });
    page.seen.length = 0;
    other.seen.length = 0;
  });
});

describe('axios in Chromium: a token in another header than Authorization', () => {
  /** Another origin whose preflight allows `X-Api-Token`: Chromium then forwards it on a redirect. */
  let partner: Origin;
  const arrived: [string, string | null][] = [];
  beforeAll(async () => {
    partner = await loopbackServer((seen, res, req) => {
      arrived.push([seen.method, (req.headers['x-api-token'] as string | undefined) ?? null]);
      const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': 'x-api-token' };
      res.writeHead(seen.method === 'OPTIONS' ? 204 : 401, cors).end();
    });
  });
  afterAll(() => partner?.close());

  it.each(['newest', '1.12.0'] as const)(
    'never follows a redirect with the fetch adapter (axios %s): a network error, nothing reaches the other origin',
    async (version) => {
      arrived.length = 0;
      const tab = await browser.newPage();
      await tab.goto(`${page.origin}/`);
      await tab.waitForFunction(() => 'tessera' in window);
      const to = `${partner.origin}/x`;
      const result = await tab.evaluate(
        ([path, release]) =>
          (
            window as unknown as {
              tessera: { call(a: string, p: string, v: string, h: string): Promise<unknown> };
            }
          ).tessera.call('fetch', path, release, 'X-Api-Token'),
        [`/redirect?to=${encodeURIComponent(to)}`, version] as const,
      );
      await tab.close();
      expect(page.seen.filter((seen) => seen.path.startsWith('/redirect'))).toHaveLength(1);
      expect(arrived.filter(([, token]) => token !== null)).toEqual([]);
      expect(result).toEqual({ status: 'Network Error', tokenRequests: 0, invalidated: [] });
      page.seen.length = 0;
    },
  );
});
