import { statSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CopiedExample, copyOutExample } from './copy-out-example.js';
import type { BrowserExample } from './describe-browser-example.js';
import { ExamplePage } from './example-page.js';
import { launchChromium } from './launch-chromium.js';
import { saveScreenshot } from './save-screenshot.js';
import type { ServedExample } from './serve-example.js';
import { serveStatic } from './serve-static.js';

/**
 * Issue #12's starter check: the example, copied out of the repository, installed from the packed
 * tarballs plus the registry and built with its own `npm run build`, works in Chromium (embedded
 * mock server: sign-in, 20 parallel calls on one refresh, the timeline). Needs built packages and
 * the npm registry. Saves `.artifacts/screenshots/<name>-starter.png`.
 */
export function describeStarterCopy({ name, root }: BrowserExample): void {
  describe(`examples/${name} copied out of the repository`, () => {
    let copy: CopiedExample | undefined;
    let served: ServedExample | undefined;
    let browser: Browser | undefined;

    beforeAll(async () => {
      copy = await copyOutExample(root);
      [served, browser] = await Promise.all([serveStatic(copy.distDir), launchChromium()]);
    });

    afterAll(async () => {
      await browser?.close();
      await served?.close();
      await copy?.remove();
    });

    it('installs from the tarballs, builds on its own and serves 20 parallel calls with one refresh', async () => {
      const context = await browser!.newContext({ viewport: { width: 900, height: 560 } });
      try {
        const page = await ExamplePage.open(context, served!.url);
        await page.signIn();
        await page.waitFor('session');
        await page.click('Fire 20 parallel calls');

        await expect
          .poll(() => page.text('parallel-result'))
          .toBe('20 calls · 20 succeeded · 1 token request');
        expect(await page.tokenRequests()).toEqual([
          { grantType: 'password', status: 200 },
          { grantType: 'refresh_token', status: 200 },
        ]);
        await expect
          .poll(async () =>
            (await page.timeline()).map((line) => `${line.kind} ${line.count} ${line.status}`),
          )
          .toEqual(['sign-in 1 ', 'call 20 401', 'stale 1 ', 'refresh 1 ok', 'replay 20 200']);
        const screenshot = await saveScreenshot(page.page, `${name}-starter`);
        expect(statSync(screenshot).size).toBeGreaterThan(10_000);
        expect(page.errors).toEqual([]);
      } finally {
        await context.close();
      }
    });
  });
}
