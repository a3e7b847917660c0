// A page with `<base href>` naming an API on another origin (headless Chromium): `fetch('token')`
// goes to the base, so the proof `dpop.fetch` and `dpop.headersFor` sign for a relative URL must name
// that URL too (the document's base URL, not `location.href`), and the base's nonce challenge is answered.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { launchChromium } from '@tessera/e2e-support/launch-chromium';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ServedPage, serveDPoPPage } from './fixtures/serve-dpop-page.js';
import { readProof } from './read-proof.js';

interface Seen {
  url: string;
  htu: string | undefined;
  nonce: string | undefined;
}

/**
 * A token endpoint at `/v1/token` on its own 127.0.0.1 origin (CORS for the page, `DPoP-Nonce`
 * exposed): `400 use_dpop_nonce` for a proof without its nonce, `400 invalid_dpop_proof` for one whose
 * `htu` is not the URL requested, tokens otherwise.
 */
async function startApi(): Promise<{ origin: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer(async (request, response) => {
    response.setHeader('access-control-allow-origin', request.headers.origin ?? '*');
    response.setHeader('access-control-allow-headers', 'dpop, content-type');
    response.setHeader('access-control-expose-headers', 'dpop-nonce');
    if (request.method === 'OPTIONS') return void response.writeHead(204).end();
    const url = `${origin}${request.url}`;
    const { claims } = await readProof(request.headers.dpop as string | undefined).catch(() => ({
      claims: { htu: undefined, nonce: undefined },
    }));
    seen.push({ url, htu: claims.htu, nonce: claims.nonce });
    const answer = (status: number, body: object, headers: Record<string, string> = {}) =>
      void response
        .writeHead(status, { 'content-type': 'application/json', ...headers })
        .end(JSON.stringify(body));
    if (claims.htu !== url.split('?')[0]) return answer(400, { error: 'invalid_dpop_proof' });
    if (claims.nonce !== 'n-1') return answer(400, { error: 'use_dpop_nonce' }, { 'dpop-nonce': 'n-1' });
    answer(200, { access_token: 'at-1', token_type: 'DPoP', refresh_token: 'rt-1', expires_in: 600 });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, seen, server };
}

describe('DPoP in a page with a <base href> element (headless Chromium)', () => {
  let api: Awaited<ReturnType<typeof startApi>> | undefined;
  let served: ServedPage | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let pageErrors: string[];

  beforeAll(async () => {
    api = await startApi();
    [served, browser] = await Promise.all([serveDPoPPage(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
    api?.server.closeAllConnections();
    await new Promise((resolve) => api?.server.close(resolve));
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
    // Added once the page's script is loaded (which a base on the API's origin would load from there).
    await page.evaluate((href) => {
      const base = document.createElement('base');
      base.href = href;
      document.head.append(base);
    }, `${api!.origin}/v1/`);
    return page;
  }

  beforeEach(() => {
    api!.seen.length = 0;
  });

  it('dpop.fetch of a relative URL: the proofs name the URL fetch requested (the base), whose nonce challenge is answered once', async () => {
    const page = await openTab();
    expect(await page.evaluate(() => document.baseURI)).toBe(`${api!.origin}/v1/`);

    await page.evaluate(() => window.dpopPage.signIn('token?x=1'));

    const token = `${api!.origin}/v1/token`;
    expect(api!.seen).toEqual([
      { url: `${token}?x=1`, htu: token, nonce: undefined },
      { url: `${token}?x=1`, htu: token, nonce: 'n-1' },
    ]);
    expect(await page.evaluate(() => window.dpopPage.events)).toEqual(['nonce_retry']);
    expect(await page.evaluate(() => window.dpopPage.loadSession())).toEqual({ accessToken: 'at-1' });
  });

  it('dpop.headersFor of a relative URL: htu is the URL fetch requests for it', async () => {
    const page = await openTab();

    const proof = await page.evaluate(() => window.dpopPage.proof('orders?id=1', 'at-1'));
    const requested = await page.evaluate(() => new Request('orders?id=1').url);

    expect(requested).toBe(`${api!.origin}/v1/orders?id=1`);
    expect((await readProof(proof)).claims.htu).toBe(`${api!.origin}/v1/orders`);
  });
});
