import { launchChromium } from '@tessera/e2e-support/launch-chromium';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CallResult } from './fixtures/cross-tab-page.js';
import { type ServedPage, serveCrossTabPage } from './fixtures/serve-cross-tab-page.js';
import { startTokenServer, type TokenServer } from './fixtures/token-server.js';

/** Fills the origin's localStorage quota, to within a few characters: a refreshed set no longer fits. */
function fillLocalStorage(): void {
  for (let size = 1 << 22, n = 0; size >= 1; ) {
    try {
      localStorage.setItem(`filler-${n++}`, 'x'.repeat(size));
    } catch {
      size >>= 1;
    }
  }
}

/** The Web Lock each tab takes around a refresh: `${name}/tessera:${key}` with the defaults. */
const REFRESH_LOCK = 'tessera/tessera:tessera';

describe('crossTab in headless Chromium: tabs of one origin sharing a rotating refresh token', () => {
  let served: ServedPage | undefined;
  let browser: Browser | undefined;
  let server: TokenServer;
  let context: BrowserContext;
  let pageErrors: string[];

  beforeAll(async () => {
    [served, browser] = await Promise.all([serveCrossTabPage(), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  beforeEach(async () => {
    server = await startTokenServer();
    context = await browser!.newContext();
    pageErrors = [];
  });

  afterEach(async () => {
    await context.close();
    await server.close();
    expect(pageErrors).toEqual([]);
  });

  /** Opens `count` tabs of the page in one browser context (one origin: shared localStorage, channels, locks). */
  async function openTabs(count: number, query: Record<string, string> = {}): Promise<Page[]> {
    const search = new URLSearchParams({ tokenUrl: server.tokenUrl, ...query });
    return Promise.all(
      Array.from({ length: count }, async () => {
        const page = await context.newPage();
        page.on('pageerror', (error) => pageErrors.push(error.message));
        await page.goto(`${served!.url}?${search}`);
        await page.waitForFunction(() => 'tessera' in window);
        return page;
      }),
    );
  }

  /** Stores alice's session in localStorage, its access token expired (or valid for `expiresIn` ms). */
  async function seedLocalStorage(page: Page, expiresIn = -1_000): Promise<string> {
    const tokens = await server.signIn();
    await page.evaluate(
      ({ accessToken, refreshToken, expiresIn }) =>
        localStorage.setItem(
          'tessera.tokens',
          JSON.stringify({
            accessToken,
            refreshToken,
            tokenType: 'Bearer',
            expiresAt: Date.now() + expiresIn,
          }),
        ),
      { ...tokens, expiresIn },
    );
    return tokens.accessToken;
  }

  const getAccessToken = (page: Page): Promise<CallResult> =>
    page.evaluate(() => window.tessera.getAccessToken());

  /** The events each tab saw since the last call (seeding localStorage already makes the others sync). */
  const takeEvents = (tabs: Page[]): Promise<string[][]> =>
    Promise.all(tabs.map((tab) => tab.evaluate(() => window.tessera.events.splice(0))));

  /** Waits until the registry shows one tab holding the refresh lock and `waiting` tabs queued for it. */
  async function lockQueue(page: Page, waiting: number): Promise<void> {
    await page.waitForFunction(
      async ({ name, waiting }) => {
        const { held = [], pending = [] } = await navigator.locks.query();
        const holders = held.filter((lock) => lock.name === name).length;
        return holders === 1 && pending.filter((lock) => lock.name === name).length === waiting;
      },
      { name: REFRESH_LOCK, waiting },
    );
  }

  it.each([2, 5])(
    'sends exactly one token request for %i tabs with an expired access token, and every tab ends with the same token',
    async (count) => {
      const tabs = await openTabs(count);
      const expired = await seedLocalStorage(tabs[0]!);
      const held = server.holdNextRequest();

      const results = Promise.all(tabs.map(getAccessToken));
      await held.arrived;
      await lockQueue(tabs[0]!, count - 1);
      held.release();

      const tokens = (await results).map((result) => ('token' in result ? result.token : result.error));
      expect(new Set(tokens).size).toBe(1);
      expect(tokens[0]).not.toBe(expired);
      expect(server.refreshRequests()).toEqual([{ status: 200 }]);
      const stored = await Promise.all(tabs.map((tab) => tab.evaluate(() => window.tessera.current())));
      expect(stored).toEqual(tokens);
    },
  );

  it('sends exactly one token request for five tabs without Web Locks (an http: origin on a LAN IP), and every tab ends with the same token', async () => {
    await context.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined });
    });
    const tabs = await openTabs(5);
    expect(await tabs[0]!.evaluate(() => navigator.locks)).toBeUndefined();
    const expired = await seedLocalStorage(tabs[0]!);

    const tokens = (await Promise.all(tabs.map(getAccessToken))).map((result) =>
      'token' in result ? result.token : result.error,
    );

    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(expired);
    expect(server.refreshRequests()).toEqual([{ status: 200 }]);
  });

  it('sends exactly one token request for five tabs that keep tokens in memory only', async () => {
    const tabs = await openTabs(5, { storage: 'memory' });
    const { accessToken, refreshToken } = await server.signIn();
    await tabs[0]!.evaluate((tokens) => window.tessera.setTokens({ ...tokens, expires_in: 0 }), {
      access_token: accessToken,
      refresh_token: refreshToken,
    });
    for (const tab of tabs)
      await tab.waitForFunction((token) => window.tessera.current() === token, accessToken);
    const held = server.holdNextRequest();

    const results = Promise.all(tabs.map(getAccessToken));
    await held.arrived;
    await lockQueue(tabs[0]!, 4);
    held.release();

    const tokens = (await results).map((result) => ('token' in result ? result.token : result.error));
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(accessToken);
    expect(server.refreshRequests()).toEqual([{ status: 200 }]);
  });

  it('sends exactly one token request for five tabs when the new set reaches them well after the lock does', async () => {
    const tabs = await openTabs(5, { storage: 'memory', channelDelay: '300' });
    const { accessToken, refreshToken } = await server.signIn();
    await tabs[0]!.evaluate((tokens) => window.tessera.setTokens({ ...tokens, expires_in: 0 }), {
      access_token: accessToken,
      refresh_token: refreshToken,
    });
    for (const tab of tabs)
      await tab.waitForFunction((token) => window.tessera.current() === token, accessToken);

    const results = await Promise.all(tabs.map(getAccessToken));

    const tokens = results.map((result) => ('token' in result ? result.token : result.error));
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(accessToken);
    expect(server.refreshRequests()).toEqual([{ status: 200 }]);
  });

  it('signs every tab out when one tab signs out, without a token request', async () => {
    const tabs = await openTabs(3);
    const token = await seedLocalStorage(tabs[0]!, 600_000);
    expect(await Promise.all(tabs.map(getAccessToken))).toEqual(Array(3).fill({ token }));
    await takeEvents(tabs);

    await tabs[1]!.evaluate(() => window.tessera.clear());

    for (const tab of tabs) await tab.waitForFunction(() => window.tessera.current() === null);
    expect(await takeEvents(tabs)).toEqual([['cleared:external'], ['cleared:clear'], ['cleared:external']]);
    expect(await tabs[0]!.evaluate(() => localStorage.getItem('tessera.tokens'))).toBeNull();
    expect(server.refreshRequests()).toEqual([]);
  });

  it('signs every tab out when the server ends the session in one tab', async () => {
    const tabs = await openTabs(3);
    await seedLocalStorage(tabs[0]!);
    for (const tab of tabs.slice(1)) await tab.waitForFunction(() => window.tessera.current() !== null);
    await takeEvents(tabs);
    server.revokeAll();

    expect(await getAccessToken(tabs[0]!)).toEqual({ error: 'OAuthError:invalid_grant' });

    for (const tab of tabs.slice(1)) await tab.waitForFunction(() => window.tessera.current() === null);
    const events = await takeEvents(tabs);
    expect(events[0]).toEqual(['refresh_failed', 'cleared:session_expired', 'session_expired']);
    expect(events.slice(1)).toEqual([['cleared:external'], ['cleared:external']]);
    expect(server.refreshRequests()).toEqual([{ status: 400, error: 'invalid_grant' }]);
  });

  it('keeps a refreshed set it could not store (localStorage full) in the open tabs, and a tab opened later never refreshes with the spent refresh token', async () => {
    const tabs = await openTabs(2);
    const { accessToken, refreshToken } = await server.signIn();
    // Expired at 1 ms after the epoch: the stored JSON is shorter than any refreshed set's.
    await tabs[0]!.evaluate(
      (tokens) =>
        localStorage.setItem(
          'tessera.tokens',
          JSON.stringify({ ...tokens, tokenType: 'Bearer', expiresAt: 1 }),
        ),
      { accessToken, refreshToken },
    );
    await tabs[1]!.waitForFunction((token) => window.tessera.current() === token, accessToken);
    await tabs[0]!.evaluate(fillLocalStorage);
    await takeEvents(tabs);

    const refreshed = await getAccessToken(tabs[0]!);

    expect(refreshed).not.toEqual({ token: accessToken });
    expect(await takeEvents(tabs.slice(0, 1))).toEqual([['storage_error', 'refreshed']]);
    await tabs[1]!.waitForFunction(
      (token) => window.tessera.current() === token,
      (refreshed as { token: string }).token,
    );
    expect(await getAccessToken(tabs[1]!)).toEqual(refreshed);
    expect(await tabs[0]!.evaluate(() => localStorage.getItem('tessera.tokens'))).toBeNull();
    const [later] = await openTabs(1);
    expect(await getAccessToken(later!)).toEqual({ error: 'LoginRequiredError' });
    expect(await takeEvents(tabs)).toEqual([[], ['synced']]);
    expect(server.refreshRequests()).toEqual([{ status: 200 }]);
  });

  it('lets the other tabs refresh at once when the tab holding the lock is closed', async () => {
    const lockTimeout = 60_000;
    const tabs = await openTabs(4, { lockTimeout: String(lockTimeout) });
    await seedLocalStorage(tabs[0]!);
    const held = server.holdNextRequest({ reachesServer: false });

    void getAccessToken(tabs[0]!).catch(() => {}); // never settles: the tab is closed mid-refresh
    await held.arrived;
    const askedAt = Date.now();
    const results = Promise.all(tabs.slice(1).map(getAccessToken));
    await lockQueue(tabs[1]!, 3);
    await tabs[0]!.close();
    held.release(); // its request is answered 503 to nobody: it never reached the authorization server

    const outcomes = await results;
    // A tab that waited for lockTimeout answers lockTimeout after it asked at the earliest: only that
    // fails here, however loaded the machine.
    expect(Date.now() - askedAt).toBeLessThan(lockTimeout);
    expect(outcomes.every((outcome) => 'token' in outcome)).toBe(true);
    expect(new Set(outcomes.map((outcome) => JSON.stringify(outcome))).size).toBe(1);
    expect(server.refreshRequests()).toEqual([{ status: 200 }]);
  });

  it('lets a tab reloaded while it held the lock come back and share the one refresh of the others', async () => {
    const tabs = await openTabs(3);
    const expired = await seedLocalStorage(tabs[0]!);
    const held = server.holdNextRequest({ reachesServer: false });

    void getAccessToken(tabs[0]!).catch(() => {}); // never settles: the tab is reloaded mid-refresh
    await held.arrived;
    const others = Promise.all(tabs.slice(1).map(getAccessToken));
    await lockQueue(tabs[1]!, 2);
    await tabs[0]!.reload();
    await tabs[0]!.waitForFunction(() => 'tessera' in window);
    held.release(); // answered 503 to nobody: it never reached the authorization server

    const outcomes = [...(await others), await getAccessToken(tabs[0]!)];
    expect(outcomes[0]).toHaveProperty('token');
    expect(outcomes[0]).not.toEqual({ token: expired });
    expect(outcomes).toEqual(Array(3).fill(outcomes[0]));
    expect(server.refreshRequests()).toEqual([{ status: 200 }]);
  });

  it('keeps every tab signed out when one signs out while another tab’s refresh is at the server', async () => {
    const tabs = await openTabs(3);
    await seedLocalStorage(tabs[0]!);
    for (const tab of tabs.slice(1)) await tab.waitForFunction(() => window.tessera.current() !== null);
    const held = server.holdNextRequest();

    const refreshing = getAccessToken(tabs[0]!);
    await held.arrived;
    await tabs[1]!.evaluate(() => window.tessera.clear());
    for (const tab of tabs) await tab.waitForFunction(() => window.tessera.current() === null);
    held.release(); // the rotated set comes back after the sign-out

    expect(await refreshing).toEqual({ error: 'LoginRequiredError' });
    expect(await Promise.all(tabs.map(getAccessToken))).toEqual(
      Array(3).fill({ error: 'LoginRequiredError' }),
    );
    expect(await Promise.all(tabs.map((tab) => tab.evaluate(() => window.tessera.current())))).toEqual([
      null,
      null,
      null,
    ]);
    expect(await tabs[2]!.evaluate(() => localStorage.getItem('tessera.tokens'))).toBeNull();
    const [later] = await openTabs(1);
    expect(await getAccessToken(later!)).toEqual({ error: 'LoginRequiredError' });
    expect(server.refreshRequests()).toEqual([{ status: 200 }]);
  });

  it('sends exactly one token request for five tabs when the tab holding the lock runs 20× slower (a background tab)', async () => {
    const tabs = await openTabs(5);
    const expired = await seedLocalStorage(tabs[0]!);
    const cdp = await context.newCDPSession(tabs[0]!);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 20 });
    const held = server.holdNextRequest();

    const first = getAccessToken(tabs[0]!);
    await held.arrived;
    const others = Promise.all(tabs.slice(1).map(getAccessToken));
    await lockQueue(tabs[1]!, 4);
    held.release();

    const outcomes = [await first, ...(await others)];
    expect(outcomes[0]).toHaveProperty('token');
    expect(outcomes[0]).not.toEqual({ token: expired });
    expect(outcomes).toEqual(Array(5).fill(outcomes[0]));
    expect(server.refreshRequests()).toEqual([{ status: 200 }]);
  });

  it('lets a frozen tab that missed another tab’s refresh adopt the new set when it resumes, without a token request', async () => {
    const tabs = await openTabs(2);
    const expired = await seedLocalStorage(tabs[0]!);
    await tabs[1]!.waitForFunction((token) => window.tessera.current() === token, expired);
    const cdp = await context.newCDPSession(tabs[1]!);
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });

    const refreshed = await getAccessToken(tabs[0]!);
    await cdp.send('Page.setWebLifecycleState', { state: 'active' });

    expect(refreshed).toHaveProperty('token');
    expect(await getAccessToken(tabs[1]!)).toEqual(refreshed);
    expect(server.refreshRequests()).toEqual([{ status: 200 }]);
  });

  it('sends exactly one token request when the tab holding the lock is frozen with its request at the server and resumes', async () => {
    const tabs = await openTabs(3);
    const expired = await seedLocalStorage(tabs[0]!);
    const held = server.holdNextRequest();

    const first = getAccessToken(tabs[0]!);
    await held.arrived;
    const cdp = await context.newCDPSession(tabs[0]!);
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' }); // keeps its Web Lock
    const others = Promise.all(tabs.slice(1).map(getAccessToken));
    await lockQueue(tabs[1]!, 2);
    held.release(); // answered while the holder is frozen: it reads the answer only when it resumes
    await cdp.send('Page.setWebLifecycleState', { state: 'active' });

    const outcomes = [await first, ...(await others)];
    expect(outcomes[0]).toHaveProperty('token');
    expect(outcomes[0]).not.toEqual({ token: expired });
    expect(outcomes).toEqual(Array(3).fill(outcomes[0]));
    expect(server.refreshRequests()).toEqual([{ status: 200 }]);
  });

  it('sends exactly one token request for five tabs without BroadcastChannel (storage events only), and a sign-out reaches every tab', async () => {
    await context.addInitScript(() => {
      delete (globalThis as { BroadcastChannel?: unknown }).BroadcastChannel;
    });
    const tabs = await openTabs(5);
    expect(await tabs[0]!.evaluate(() => typeof BroadcastChannel)).toBe('undefined');
    const expired = await seedLocalStorage(tabs[0]!);
    const held = server.holdNextRequest();

    const results = Promise.all(tabs.map(getAccessToken));
    await held.arrived;
    await lockQueue(tabs[0]!, 4);
    held.release();

    const tokens = (await results).map((result) => ('token' in result ? result.token : result.error));
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(expired);
    expect(server.refreshRequests()).toEqual([{ status: 200 }]);
    for (const tab of tabs)
      await tab.waitForFunction((token) => window.tessera.current() === token, tokens[0]!);

    await tabs[3]!.evaluate(() => window.tessera.clear());

    for (const tab of tabs) await tab.waitForFunction(() => window.tessera.current() === null);
    expect(await getAccessToken(tabs[0]!)).toEqual({ error: 'LoginRequiredError' });
    expect(server.refreshRequests()).toEqual([{ status: 200 }]);
  });

  it('never leaves a spent refresh token in a full localStorage without BroadcastChannel: the other tabs sign out instead of ending the session', async () => {
    await context.addInitScript(() => {
      delete (globalThis as { BroadcastChannel?: unknown }).BroadcastChannel;
    });
    const tabs = await openTabs(2);
    const { accessToken, refreshToken } = await server.signIn();
    // Expired at 1 ms after the epoch: the stored JSON is shorter than any refreshed set's.
    await tabs[0]!.evaluate(
      (tokens) =>
        localStorage.setItem(
          'tessera.tokens',
          JSON.stringify({ ...tokens, tokenType: 'Bearer', expiresAt: 1 }),
        ),
      { accessToken, refreshToken },
    );
    await tabs[1]!.waitForFunction((token) => window.tessera.current() === token, accessToken);
    await tabs[0]!.evaluate(fillLocalStorage);
    await takeEvents(tabs);

    const refreshed = await getAccessToken(tabs[0]!);

    expect(refreshed).toHaveProperty('token');
    // Without a channel the open tab cannot get the new set; it signs out rather than send the spent refresh token.
    await tabs[1]!.waitForFunction(() => window.tessera.current() === null);
    expect(await takeEvents(tabs)).toEqual([['storage_error', 'refreshed'], ['cleared:external']]);
    expect(await getAccessToken(tabs[1]!)).toEqual({ error: 'LoginRequiredError' });
    expect(await tabs[0]!.evaluate(() => localStorage.getItem('tessera.tokens'))).toBeNull();
    const [later] = await openTabs(1);
    expect(await getAccessToken(later!)).toEqual({ error: 'LoginRequiredError' });
    expect(await getAccessToken(tabs[0]!)).toEqual(refreshed);
    expect(server.refreshRequests()).toEqual([{ status: 200 }]);
  });

  it('keeps two apps of one origin (two client ids) apart: one refresh each, and a sign-out in one leaves the other', async () => {
    const webTabs = await openTabs(2);
    const adminTabs = await openTabs(2, { clientId: 'admin' });
    const web = await seedLocalStorage(webTabs[0]!);
    const admin = await server.signIn('admin');
    await adminTabs[0]!.evaluate(
      (tokens) =>
        localStorage.setItem(
          'admin.tokens',
          JSON.stringify({ ...tokens, tokenType: 'Bearer', expiresAt: Date.now() - 1_000 }),
        ),
      admin,
    );
    await webTabs[1]!.waitForFunction((token) => window.tessera.current() === token, web);
    await adminTabs[1]!.waitForFunction((token) => window.tessera.current() === token, admin.accessToken);

    const [webResults, adminResults] = await Promise.all([
      Promise.all(webTabs.map(getAccessToken)),
      Promise.all(adminTabs.map(getAccessToken)),
    ]);

    expect(webResults[0]).toHaveProperty('token');
    expect(adminResults[0]).toHaveProperty('token');
    expect(webResults).toEqual([webResults[0], webResults[0]]);
    expect(adminResults).toEqual([adminResults[0], adminResults[0]]);
    expect(adminResults[0]).not.toEqual(webResults[0]);
    expect(server.refreshRequests('web')).toEqual([{ status: 200 }]);
    expect(server.refreshRequests('admin')).toEqual([{ status: 200 }]);
    await takeEvents([...webTabs, ...adminTabs]);

    await webTabs[0]!.evaluate(() => window.tessera.clear());

    await webTabs[1]!.waitForFunction(() => window.tessera.current() === null);
    expect(await Promise.all(adminTabs.map(getAccessToken))).toEqual(adminResults);
    expect(await takeEvents([...webTabs, ...adminTabs])).toEqual([
      ['cleared:clear'],
      ['cleared:external'],
      [],
      [],
    ]);
    expect(server.refreshRequests()).toHaveLength(2);
  });

  it('refreshes on its own after lockTimeout when the lock is never granted', async () => {
    const [hung] = await openTabs(1);
    const [tab] = await openTabs(1, { lockTimeout: '1000' });
    const expired = await seedLocalStorage(hung!);
    await hung!.evaluate((name) => {
      void navigator.locks.request(name, () => new Promise(() => {})); // a frozen holder
    }, REFRESH_LOCK);

    const startedAt = Date.now();
    const result = await getAccessToken(tab!);

    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1_000);
    expect(result).not.toEqual({ token: expired });
    expect(result).toHaveProperty('token');
    expect(server.refreshRequests()).toEqual([{ status: 200 }]);
  });

  it('leaves no lock or channel behind after StrictMode double mounting and a hot reload', async () => {
    const [tab] = await openTabs(1);
    await seedLocalStorage(tab!);

    const { token, openChannels } = await tab!.evaluate(() => window.tessera.remountCycles());
    const locks = await tab!.evaluate(() => navigator.locks.query());

    expect(token).toHaveProperty('token');
    expect(openChannels).toBe(0);
    expect(locks.held).toEqual([]);
    expect(locks.pending).toEqual([]);
    expect(server.refreshRequests()).toEqual([{ status: 200 }]);
  });
});

describe('crossTab in headless Chromium with the back/forward cache', () => {
  let served: ServedPage | undefined;
  let browser: Browser | undefined;
  let server: TokenServer;

  beforeAll(async () => {
    [served, browser] = await Promise.all([serveCrossTabPage(), launchChromium({ backForwardCache: true })]);
    server = await startTokenServer();
  });

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await server?.close();
  });

  /** Leaves `page` for another document of the origin (its script), and comes back (no `load` when the bfcache restores it). */
  async function awayAndBack(page: Page, meanwhile: () => Promise<void> = async () => {}): Promise<void> {
    await page.goto(`${served!.url}page.js`);
    await meanwhile();
    await page.goBack({ waitUntil: 'commit' });
    await page.waitForFunction(() => 'tessera' in window);
  }

  it('never restores a tab that missed another tab’s refresh: the channel message evicts it, and the reloaded tab reads the stored set', async () => {
    const context = await browser!.newContext();
    const search = new URLSearchParams({ tokenUrl: server.tokenUrl });
    const [restored, writer] = await Promise.all(
      [0, 1].map(async () => {
        const page = await context.newPage();
        await page.goto(`${served!.url}?${search}`);
        await page.waitForFunction(() => 'tessera' in window);
        return page;
      }),
    );
    const { accessToken, refreshToken } = await server.signIn();
    await writer!.evaluate(
      (tokens) =>
        localStorage.setItem(
          'tessera.tokens',
          JSON.stringify({ ...tokens, tokenType: 'Bearer', expiresAt: Date.now() - 1_000 }),
        ),
      { accessToken, refreshToken },
    );
    await restored!.waitForFunction((token) => window.tessera.current() === token, accessToken);

    // With its channel open and nothing posted meanwhile, the page is restored from the bfcache as it was.
    await restored!.evaluate(() => Object.assign(window, { kept: true }));
    await awayAndBack(restored!);
    expect(await restored!.evaluate(() => 'kept' in window)).toBe(true);

    let refreshed: CallResult | undefined;
    await awayAndBack(restored!, async () => {
      refreshed = await writer!.evaluate(() => window.tessera.getAccessToken());
      await writer!.close();
    });

    // Loaded anew (`notRestoredReasons`: `broadcastchannel-message`): restored as it was, it would answer with the
    // set it heard last, whose refresh token the writer spent, and send a second token request.
    expect(await restored!.evaluate(() => 'kept' in window)).toBe(false);
    expect(refreshed).toHaveProperty('token');
    expect(await restored!.evaluate(() => window.tessera.getAccessToken())).toEqual(refreshed);
    expect(server.refreshRequests()).toEqual([{ status: 200 }]);
    await context.close();
  });
});
