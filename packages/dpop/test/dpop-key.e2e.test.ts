import { launchChromium } from '@tessera/e2e-support/launch-chromium';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ServedPage, serveDPoPPage } from './fixtures/serve-dpop-page.js';
import { readProof } from './read-proof.js';

const session = {
  accessToken: 'at-1',
  tokenType: 'DPoP',
  refreshToken: 'rt-1',
  expiresAt: 4_102_444_800_000,
};

describe('DPoP key in headless Chromium (IndexedDB)', () => {
  let served: ServedPage | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let pageErrors: string[];

  beforeAll(async () => {
    [served, browser] = await Promise.all([serveDPoPPage(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
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
    return page;
  }
  const ready = (page: Page) => page.evaluate(() => window.dpopPage.ready());

  it('keeps the key across a reload, non-extractable, and signs proofs that verify', async () => {
    const page = await openTab();
    const before = await ready(page);
    await page.reload();
    await page.waitForFunction(() => 'dpopPage' in window);

    const after = await ready(page);
    const proof = await page.evaluate(() => window.dpopPage.proof('https://api.example/orders?x=1', 'at-1'));

    expect(before.persistent).toBe(true);
    expect(after).toEqual(before);
    expect(await page.evaluate(() => window.dpopPage.privateKeyExportable())).toBe(false);
    const { jkt, claims } = await readProof(proof);
    expect(jkt).toBe(after.thumbprint);
    expect(claims).toMatchObject({ htm: 'GET', htu: 'https://api.example/orders' });
  });

  it('gives 5 tabs opened at once one key, and each tab keeps its bound session', async () => {
    const tabs = await Promise.all(Array.from({ length: 5 }, openTab));

    const keys = await Promise.all(tabs.map(ready));
    await tabs[0]!.evaluate((tokens) => window.dpopPage.storeSession(tokens), session);
    const sessions = await Promise.all(tabs.map((tab) => tab.evaluate(() => window.dpopPage.loadSession())));

    expect(new Set(keys.map((key) => key.thumbprint)).size).toBe(1);
    expect(sessions).toEqual(Array(5).fill({ accessToken: 'at-1' }));
  });

  it('drops the session with DPOP_KEY_LOST when the IndexedDB store was deleted between page loads', async () => {
    const page = await openTab();
    await page.evaluate((tokens) => window.dpopPage.storeSession(tokens), session);
    await page.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const request = indexedDB.deleteDatabase('tessera-dpop');
          request.onsuccess = () => resolve();
          request.onerror = () => reject(request.error);
        }),
    );
    await page.reload();
    await page.waitForFunction(() => 'dpopPage' in window);

    expect(await page.evaluate(() => window.dpopPage.loadSession())).toEqual({ error: 'DPOP_KEY_LOST' });
    expect(await page.evaluate(() => localStorage.getItem('tessera.tokens'))).toBeNull();
  });

  it("keeps the session of a tab that signed in without a reload after another tab's removeKey(): bound to the stored key", async () => {
    const [stale, other] = [await openTab(), await openTab()];
    await ready(stale);
    await other.evaluate(() => window.dpopPage.removeKey()); // the other tab signs out
    const proofs: string[] = [];
    await context.route('**/token', async (route) => {
      proofs.push((await route.request().headerValue('dpop')) ?? '');
      await route.fulfill({
        json: { access_token: 'at-1', token_type: 'DPoP', refresh_token: 'rt-1', expires_in: 600 },
      });
    });

    await stale.evaluate((url) => window.dpopPage.signIn(url), new URL('token', served!.url).href);
    await stale.reload();
    await stale.waitForFunction(() => 'dpopPage' in window);

    expect(proofs).toHaveLength(1);
    expect((await readProof(proofs[0])).jkt).toBe((await ready(stale)).thumbprint);
    expect(await stale.evaluate(() => window.dpopPage.loadSession())).toEqual({ accessToken: 'at-1' });
  });

  it('replaces a stored key whose public key is no CryptoKey (a JWK) instead of falling back to memory on every load', async () => {
    const page = await openTab();
    const first = await ready(page);
    // The stored private key kept, its public key replaced by a JWK object (another writer's format).
    await page.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('tessera-dpop', 1);
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const store = open.result.transaction('keys', 'readwrite').objectStore('keys');
            const read = store.get('spa');
            read.onsuccess = () => {
              const jwk = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' };
              store.put({ privateKey: read.result.privateKey, publicKey: jwk }, 'spa').onsuccess = () => {
                open.result.close();
                resolve();
              };
            };
          };
        }),
    );
    await page.reload();
    await page.waitForFunction(() => 'dpopPage' in window);

    const second = await ready(page);
    const events = await page.evaluate(() => window.dpopPage.events);
    await page.reload();
    await page.waitForFunction(() => 'dpopPage' in window);

    expect(second).toMatchObject({ persistent: true, fallback: false });
    expect(second.thumbprint).not.toBe(first.thumbprint);
    expect(events).toEqual([]);
    expect(await ready(page)).toEqual(second);
  });

  it('falls back to an in-memory key when IndexedDB cannot be opened, and says so', async () => {
    await context.addInitScript(() => {
      IDBFactory.prototype.open = () => {
        throw new DOMException('IndexedDB is disabled', 'InvalidStateError');
      };
    });
    const page = await openTab();

    const first = await ready(page);
    const events = await page.evaluate(() => window.dpopPage.events);
    const stored = await page.evaluate(() => Object.keys(localStorage));
    await page.reload();
    await page.waitForFunction(() => 'dpopPage' in window);
    const second = await ready(page);

    expect(first.persistent).toBe(false);
    expect(events).toEqual(['key_not_persistent']);
    expect(stored).toEqual([]);
    expect(second.thumbprint).not.toBe(first.thumbprint);
  });
});
