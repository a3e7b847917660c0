import { launchChromium } from '@tessera/e2e-support/launch-chromium';
import { HttpResponse, http } from 'msw';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAuthServer } from '../src/index.js';
import { type HandlerServer, serveHandlers } from '../src/node.js';
import type { CorsScenario } from './fixtures/cors-page.js';
import { servePages } from './fixtures/serve-pages.js';
import type { WorkerScenario } from './fixtures/worker-page.js';

describe('@tessera/testing in headless Chromium', () => {
  let pages: HandlerServer | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let pageErrors: string[];

  beforeAll(async () => {
    [pages, browser] = await Promise.all([servePages(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await pages?.close();
  });
  beforeEach(async () => {
    context = await browser!.newContext();
    pageErrors = [];
  });
  afterEach(async () => {
    await context.close();
    expect(pageErrors).toEqual([]);
  });

  async function open(name: string, ready: string): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${pages!.url}/${name}`);
    await page.waitForFunction((key) => key in window, ready);
    return page;
  }

  it('runs the token endpoint, rotation with reuse detection and protectedApi under setupWorker', async () => {
    const page = await open('worker-page', 'runScenario');
    const result = await page.evaluate(() =>
      (window as unknown as { runScenario(): Promise<WorkerScenario> }).runScenario(),
    );
    expect(result).toEqual({
      signIn: 200,
      api: { status: 200, body: { ok: true, method: 'GET', path: '/orders', sub: 'alice' } },
      firstRefresh: 200,
      reuse: { status: 400, error: 'invalid_grant' },
      apiAfterReuse: {
        status: 401,
        challenge:
          'Bearer realm="https://api.example.test", error="invalid_token", error_description="The access token was revoked"',
      },
      tokenRequests: [
        { grantType: 'password', status: 200 },
        { grantType: 'refresh_token', status: 200 },
        { grantType: 'refresh_token', status: 400, error: 'invalid_grant' },
      ],
      apiAuthorizations: ['valid', 'revoked'],
    });
  });

  it("loads the page's own static files under setupWorker with failUnhandledRequest, and fails an unhandled API call", async () => {
    const page = await open('worker-page', 'fetchUnhandled');
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    const fetchUnhandled = (path: string): Promise<number> =>
      page.evaluate(
        (p) => (window as unknown as { fetchUnhandled(path: string): Promise<number> }).fetchUnhandled(p),
        path,
      );
    expect(await fetchUnhandled('/cors-page.js')).toBe(200);
    expect(pageErrors).toEqual([]);
    expect(await fetchUnhandled('/api/orders')).toBe(500);
    // The browser adds its own "Failed to load resource … 500" line.
    expect(pageErrors.splice(0)).toContainEqual(
      expect.stringContaining(`No msw handler for GET ${pages!.url}/api/orders`),
    );
  });

  it('serves a page on another loopback origin through serveHandlers with working CORS', async () => {
    const api = await serveHandlers();
    try {
      const auth = createAuthServer({ issuer: api.url });
      api.use(...auth.handlers, ...auth.protectedApi(`${api.url}/api`));
      const dpopProofs: (string | null)[] = [];
      api.use(
        http.get(`${api.url}/dpop-api/orders`, ({ request }) => {
          dpopProofs.push(request.headers.get('dpop'));
          const headers = { 'DPoP-Nonce': 'nonce-1', 'WWW-Authenticate': 'DPoP error="use_dpop_nonce"' };
          return new HttpResponse(null, { status: 401, headers });
        }),
      );
      auth.failNextTokenRequests(1, { status: 503, retryAfter: 3 });
      const page = await open('cors-page', 'runCors');
      const result = await page.evaluate(
        (url) => (window as unknown as { runCors(url: string): Promise<CorsScenario> }).runCors(url),
        api.url,
      );
      expect(result).toEqual({
        failure: { status: 503, retryAfter: '3' },
        token: 200,
        api: { status: 200, body: { ok: true, method: 'PUT', path: '/api/orders', sub: 'service' } },
        missing: { status: 401, challenge: `Bearer realm="${api.url}/api"` },
        dpop: { status: 401, nonce: 'nonce-1', challenge: 'DPoP error="use_dpop_nonce"' },
      });
      expect(dpopProofs).toEqual(['proof-from-the-page']);
      expect(auth.tokenRequests.map((entry) => entry.status)).toEqual([503, 200]);
    } finally {
      await api.close();
    }
  });
});
