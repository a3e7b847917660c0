import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopbackServer } from '../../../test-support/loopback-server.js';

// @tessera/fetch in a real browser (PITFALLS-FETCH-DPOP, redirects): the page and its API on one
// origin, a redirect to another origin (another port). Chromium strips Authorization on the
// cross-origin hop; response.url tells the wrapper the 401 came from there: nothing is refreshed.
type Server = Awaited<ReturnType<typeof loopbackServer>>;
let page: Server;
let other: Server;
let browser: Browser;
let script = '';

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('./fixtures/redirect-page.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@tessera/source'],
    logLevel: 'silent',
  });
  script = bundle.outputFiles[0]?.text ?? '';
  other = await loopbackServer((seen, res) => {
    const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': 'authorization' };
    res.writeHead(seen.method === 'OPTIONS' ? 204 : 401, cors).end();
  });
  page = await loopbackServer((seen, res) => {
    const url = new URL(seen.path, 'http://x');
    if (url.pathname === '/') {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<script type="module" src="/page.js"></script>');
    } else if (url.pathname === '/page.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else if (url.pathname === '/redirect') {
      res.writeHead(302, { Location: url.searchParams.get('to') ?? '/' }).end();
    } else {
      res.writeHead(seen.authorization === 'Bearer at-1' ? 200 : 401).end();
    }
  });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox'],
  });
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
