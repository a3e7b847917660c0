import { statSync } from 'node:fs';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExamplePage, type TimelineLine } from './example-page.js';
import { launchChromium } from './launch-chromium.js';
import { saveScreenshot } from './save-screenshot.js';
import { type ServedExample, serveExample } from './serve-example.js';

/** An example to test: its directory name (`react-app`) and absolute path. */
export interface BrowserExample {
  name: string;
  root: string;
}

const SESSION_ENDED =
  'Your session has ended: the server refused to renew it (invalid_grant). Please sign in again.';

/**
 * The end-to-end specification both browser examples meet, as one vitest suite: the app is built and
 * served with Vite on 127.0.0.1, driven in Debian's headless Chromium (one browser per suite, a fresh
 * context per test), against its embedded mock server. Saves `.artifacts/screenshots/<name>-main.png`.
 */
export function describeBrowserExample({ name, root }: BrowserExample): void {
  describe(`examples/${name} in headless Chromium`, () => {
    let served: ServedExample | undefined;
    let browser: Browser | undefined;
    let context: BrowserContext;
    let app: ExamplePage | undefined;

    beforeAll(async () => {
      [served, browser] = await Promise.all([serveExample(root), launchChromium()]);
    });

    afterAll(async () => {
      await browser?.close();
      await served?.close();
    });

    beforeEach(async () => {
      context = await browser!.newContext({ viewport: { width: 900, height: 560 } });
    });

    afterEach(async () => {
      const errors = app?.errors ?? [];
      app = undefined;
      await context.close();
      expect(errors).toEqual([]);
    });

    async function open(query = ''): Promise<ExamplePage> {
      app = await ExamplePage.open(context, `${served!.url}${query}`);
      return app;
    }

    it('signs alice in with one password-grant request and shows her live session', async () => {
      const page = await open();
      await page.signIn();
      await page.waitFor('session');

      expect(await page.text('user')).toBe('alice');
      expect(await page.text('refresh-count')).toBe('0');
      expect(await page.text('last-event')).toBe('tokens_set (signed in)');
      // A 30 s token, read within seconds of sign-in (a loaded machine may take a few), then counting down.
      const expiresIn = async () => Number(/^(\d+) s$/.exec((await page.text('expires-in')) ?? '')?.[1]);
      const shown = await expiresIn();
      expect(shown).toBeGreaterThan(20);
      expect(shown).toBeLessThanOrEqual(30);
      expect(await page.text('token-requests')).toBe('1');
      expect(await page.tokenRequests()).toEqual([{ grantType: 'password', status: 200 }]);
      await expect.poll(expiresIn).toBeLessThan(shown);
    });

    it('refuses a wrong password with a clear message and stays on the sign-in screen', async () => {
      const page = await open();
      await page.signIn({ username: 'alice', password: 'not-her-password' });

      await expect.poll(() => page.text('sign-in-error')).toBe('Wrong username or password (invalid_grant).');
      expect(await page.text('session')).toBeUndefined();
      expect(await page.tokenRequests()).toEqual([
        { grantType: 'password', status: 400, error: 'invalid_grant' },
      ]);
    });

    it('serves 20 parallel calls with exactly one token request, and saves a screenshot', async () => {
      const page = await open();
      await page.signIn();
      await page.waitFor('session');
      await page.click('Fire 20 parallel calls');

      await expect.poll(() => page.text('parallel-result')).toBe('20 calls · 20 succeeded · 1 token request');
      expect(await page.tokenRequests()).toEqual([
        { grantType: 'password', status: 200 },
        { grantType: 'refresh_token', status: 200 },
      ]);
      expect(await page.text('refresh-count')).toBe('1');
      await expect.poll(() => page.text('token-requests')).toBe('2');

      const screenshot = await saveScreenshot(page.page, `${name}-main`);
      expect(statSync(screenshot).size).toBeGreaterThan(10_000);
    });

    it('shows the single flight in the request timeline: 20 × 401 with the old token, one refresh, 20 replays with the new one', async () => {
      const page = await open();
      await page.signIn();
      await page.waitFor('session');
      await page.click('Fire 20 parallel calls');
      await expect.poll(() => page.text('parallel-result')).toBe('20 calls · 20 succeeded · 1 token request');

      const settled = (lines: TimelineLine[]) =>
        lines.every((line) => line.status !== '…' && line.token !== '…');
      await expect.poll(async () => settled(await page.timeline())).toBe(true);
      const lines = await page.timeline();
      const [signIn, calls, , refresh] = lines;
      expect(signIn?.token).toMatch(/^[0-9a-f]{8}$/);
      expect(refresh?.token).toMatch(/^[0-9a-f]{8}$/);
      expect(refresh?.token).not.toBe(signIn?.token);
      expect(
        lines.map(({ kind, count, what, status, token }) => ({ kind, count, what, status, token })),
      ).toEqual([
        { kind: 'sign-in', count: 1, what: 'sign-in', status: '', token: signIn?.token },
        { kind: 'call', count: 20, what: '20 × GET /me', status: '401', token: signIn?.token },
        { kind: 'stale', count: 1, what: 'token marked stale', status: '', token: '' },
        { kind: 'refresh', count: 1, what: 'refresh (invalidated)', status: 'ok', token: refresh?.token },
        { kind: 'replay', count: 20, what: '20 × GET /me (replay)', status: '200', token: refresh?.token },
      ]);
      expect(calls?.count).toBe(20);
      expect(await page.tokenRequests()).toEqual([
        { grantType: 'password', status: 200 },
        { grantType: 'refresh_token', status: 200 },
      ]);
      const desktop = await saveScreenshot(page.page, `${name}-timeline`);
      expect(statSync(desktop).size).toBeGreaterThan(10_000);

      await page.click('Sign out');
      await page.waitFor('sign-in');
      expect((await page.timeline()).at(-1)).toMatchObject({ kind: 'sign-out', what: 'sign-out', token: '' });
    });

    it('retries a 503 from the token endpoint and still serves all 20 calls', async () => {
      const page = await open();
      await page.signIn();
      await page.waitFor('session');
      await page.failNextTokenRequests(1, 503);
      await page.click('Fire 20 parallel calls');

      await expect
        .poll(() => page.text('parallel-result'))
        .toBe('20 calls · 20 succeeded · 2 token requests');
      expect(await page.tokenRequests()).toEqual([
        { grantType: 'password', status: 200 },
        { grantType: 'refresh_token', status: 503 },
        { grantType: 'refresh_token', status: 200 },
      ]);
      expect(await page.text('refresh-count')).toBe('1');
    });

    it('refreshes silently when the access token expires, and the API still answers', async () => {
      const page = await open('?lifetime=2');
      await page.signIn();
      await page.waitFor('session');
      const signedInAt = Date.now();

      // The first token expires at most 2 s after sign-in: wait past that, and for two refreshes at least.
      await expect
        .poll(async () => Date.now() - signedInAt > 2_000 && (await page.count('refresh-count')) >= 2, {
          timeout: 15_000,
        })
        .toBe(true);
      expect(await page.text('last-event')).toBe('refreshed (background)');
      expect(await page.text('sign-in')).toBeUndefined();
      const backgroundRefreshes = (await page.timeline()).filter(
        (line) => line.what === 'refresh (background)',
      );
      expect(backgroundRefreshes.length).toBeGreaterThanOrEqual(2);
      expect(new Set(backgroundRefreshes.map((line) => line.token)).size).toBe(backgroundRefreshes.length);
      await page.click('Call the API');
      await expect
        .poll(() => page.text('api-result'))
        .toBe('200 {"ok":true,"method":"GET","path":"/me","sub":"alice"}');

      const [signIn, ...refreshes] = await page.tokenRequests();
      expect(signIn).toEqual({ grantType: 'password', status: 200 });
      expect(refreshes.length).toBeGreaterThanOrEqual(2);
      expect(refreshes.filter((r) => r.grantType !== 'refresh_token' || r.status !== 200)).toEqual([]);
    });

    it('returns to the sign-in screen with a clear message when the server ends the session', async () => {
      const page = await open();
      await page.signIn();
      await page.waitFor('session');
      await page.click('End session on the server');

      await page.waitFor('sign-in');
      expect(await page.text('notice')).toBe(SESSION_ENDED);
      expect((await page.tokenRequests()).at(-1)).toEqual({
        grantType: 'refresh_token',
        status: 400,
        error: 'invalid_grant',
      });

      await page.signIn();
      await page.waitFor('session');
      expect(await page.text('user')).toBe('alice');
    });

    it('fits a 390 px phone: every button on one line, texts beside or below them, no sideways scroll', async () => {
      await context.close();
      context = await browser!.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
      const page = await open();
      expect(await page.layoutProblems()).toEqual([]);
      await page.signIn();
      await page.waitFor('session');
      await page.click('Fire 20 parallel calls');
      await expect.poll(() => page.text('parallel-result')).toBe('20 calls · 20 succeeded · 1 token request');

      expect(await page.layoutProblems()).toEqual([]);
      const screenshot = await saveScreenshot(page.page, `${name}-phone`);
      expect(statSync(screenshot).size).toBeGreaterThan(10_000);
    });

    it('counts refreshes per session: 0 again after sign-out and the next sign-in', async () => {
      const page = await open();
      await page.signIn();
      await page.waitFor('session');
      await page.click('Fire 20 parallel calls');
      await expect.poll(() => page.text('refresh-count')).toBe('1');
      await page.click('Sign out');
      await page.waitFor('sign-in');

      await page.signIn();
      await page.waitFor('session');
      expect(await page.text('refresh-count')).toBe('0');
      await page.click('Fire 20 parallel calls');
      await expect.poll(() => page.text('refresh-count')).toBe('1');
    });

    it('signs out on request and says so', async () => {
      const page = await open();
      await page.signIn();
      await page.waitFor('session');
      await page.click('Sign out');

      await page.waitFor('sign-in');
      expect(await page.text('notice')).toBe('You signed out.');
    });
  });
}
