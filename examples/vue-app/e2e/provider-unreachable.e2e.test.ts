// The production build for an identity provider that does not answer (down, or a wrong VITE_ISSUER):
// the silent sign-in of the first load cannot even start, and the user must see why, not "Restoring
// your session…" forever. And a link with `?mock` must not turn that build into the mock server.

import { fileURLToPath } from 'node:url';
import {
  ExamplePage,
  freePort,
  launchChromium,
  type ServedExample,
  serveExample,
} from '@tessera/e2e-support';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('examples/vue-app built for an identity provider that cannot be reached', () => {
  let served: ServedExample | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let issuer: string;

  beforeAll(async () => {
    // A free port nobody listens on: every request to the provider is refused.
    issuer = `http://127.0.0.1:${await freePort()}`;
    const env = { VITE_ISSUER: issuer, VITE_API_URL: 'http://127.0.0.1:9/me' };
    [served, browser] = await Promise.all([serveExample(root, { env }), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  beforeEach(async () => {
    context = await browser!.newContext();
  });

  afterEach(async () => {
    await context.close();
  });

  it('shows the sign-in screen with the error when the silent sign-in cannot start, and stays on the page', async () => {
    const page = await context.newPage();
    /** Paths of the requests to the provider that failed: its discovery. */
    const failed: string[] = [];
    page.on('requestfailed', (request) => {
      if (request.url().startsWith(issuer)) failed.push(new URL(request.url()).pathname);
    });
    const app = await ExamplePage.attach(page, served!.url);

    expect(await app.text('sign-in-error')).toBe('Sign-in failed (NETWORK_ERROR).');
    expect(failed).toContain('/.well-known/oauth-authorization-server');
    expect(new URL(page.url()).origin).toBe(new URL(served!.url).origin);
    expect(app.errors).toEqual([]);
  });

  it('ignores ?mock: no mock password form and no service worker on the origin of the build', async () => {
    const app = await ExamplePage.attach(await context.newPage(), `${served!.url}?mock`);

    expect(await app.page.getByTestId('server').textContent()).toBe(
      `identity provider ${new URL(issuer).host}`,
    );
    expect(await app.page.locator('input[type=password]').count()).toBe(0);
    expect(await app.text('sign-in-error')).toBe('Sign-in failed (NETWORK_ERROR).');
    expect(
      await app.page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length),
    ).toBe(0);
    expect(app.errors).toEqual([]);
  });
});
