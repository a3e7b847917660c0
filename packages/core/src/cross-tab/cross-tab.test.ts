import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FakeLocks, fakeLockManager } from '../../test/fixtures/fake-lock-manager.js';
import { fakeStorageArea } from '../../test/fixtures/fake-storage-area.js';
import { rotatingRefreshTokens } from '../../test/fixtures/rotating-refresh-tokens.js';
import { type TrackedChannels, trackedChannels } from '../../test/fixtures/tracked-broadcast-channel.js';
import type { CrossTabSync } from '../cross-tab-sync.js';
import { DisposedError } from '../errors/disposed-error.js';
import { LoginRequiredError } from '../errors/login-required-error.js';
import { OAuthError } from '../errors/oauth-error.js';
import { memoryStorage } from '../storage/memory-storage.js';
import type { TokenStorage } from '../storage/token-storage.js';
import { webStorage } from '../storage/web-storage.js';
import { TokenManager } from '../token-manager.js';
import type { FetchTokens } from '../token-manager-options.js';
import { crossTab } from './cross-tab.js';

let now = 1_700_000_000_000;
const clock = () => now;
let channels: TrackedChannels;
let channelName: string;
let testNumber = 0;
const managers: TokenManager[] = [];

beforeEach(() => {
  now = 1_700_000_000_000;
  channels = trackedChannels();
  testNumber += 1;
  channelName = `cross-tab-test-${testNumber}`; // test files may share a process: never hear another test
});

afterEach(() => {
  for (const manager of managers.splice(0)) manager.dispose();
  expect(channels.open()).toBe(0);
  channels.closeAll();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

/** One tab: a `TokenManager` with `crossTab()` over Node's real BroadcastChannel and fake Web Locks. */
function openTab(fetchTokens: FetchTokens, storage: TokenStorage, sync: CrossTabSync): TokenManager {
  const manager = new TokenManager({ fetchTokens, storage, crossTab: sync, clock, retry: false });
  managers.push(manager);
  return manager;
}

function sync(fake: FakeLocks, options: { lockTimeout?: number } = {}): CrossTabSync {
  return crossTab({
    name: channelName,
    locks: fake.locks,
    BroadcastChannel: channels.BroadcastChannel,
    ...options,
  });
}

/** The Web Lock a tab takes around its refreshes (default manager key). */
const refreshLock = () => `${channelName}/tessera:tessera`;

/** localStorage shared by every tab, holding an expired access token and the valid refresh token `rt-0`. */
function sharedSession(expiresAt = now - 1_000) {
  const area = fakeStorageArea();
  area.setItem(
    'tessera.tokens',
    JSON.stringify({ accessToken: 'at-0', tokenType: 'Bearer', refreshToken: 'rt-0', expiresAt }),
  );
  return area;
}

/** The event types a tab saw; `cleared` with its reason, e.g. `cleared:external`. */
function recordEvents(manager: TokenManager): string[] {
  const events: string[] = [];
  manager.subscribe((event) => {
    // `loaded` (the first storage read) is not about coordination between tabs.
    if (event.type !== 'loaded')
      events.push(event.type === 'cleared' ? `cleared:${event.reason}` : event.type);
  });
  return events;
}

/** Lets queued tasks run (channel messages, lock grants); no time passes on any clock. */
const nextTask = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('crossTab', () => {
  it('sends one token request for 200 concurrent callers split across two tabs sharing localStorage', async () => {
    const server = rotatingRefreshTokens();
    const held = server.hold();
    const fake = fakeLockManager();
    const area = sharedSession();
    const tabs = [0, 1].map(() => openTab(server.fetchTokens, webStorage(area), sync(fake)));

    const callers = Array.from({ length: 200 }, (_, i) => tabs[i % 2]!.getAccessToken());
    await held.arrived;
    held.release();

    expect(new Set(await Promise.all(callers))).toEqual(new Set(['at-1']));
    expect(server.requests).toEqual([{ refreshToken: 'rt-0' }]);
    expect(tabs.map((tab) => tab.peekTokens()?.refreshToken)).toEqual(['rt-1', 'rt-1']);
    expect(JSON.parse(area.getItem('tessera.tokens')!).refreshToken).toBe('rt-1');
  });

  it('sends one token request for 200 concurrent callers split across two tabs that keep tokens in memory, though the lock reaches the second tab before the new set', async () => {
    const server = rotatingRefreshTokens();
    const fake = fakeLockManager(); // grants within microtasks: long before a channel message arrives
    const tabs = [0, 1].map(() => openTab(server.fetchTokens, memoryStorage(), sync(fake)));
    await tabs[0]!.setTokens({ access_token: 'at-0', refresh_token: 'rt-0', expires_in: 0 });
    await vi.waitFor(() => expect(tabs[1]!.peekTokens()?.accessToken).toBe('at-0'));
    const held = server.hold();

    const callers = Array.from({ length: 200 }, (_, i) => tabs[i % 2]!.getAccessToken());
    await held.arrived;
    held.release();

    expect(new Set(await Promise.all(callers))).toEqual(new Set(['at-1']));
    expect(server.requests).toEqual([{ refreshToken: 'rt-0' }]);
    expect(tabs.map((tab) => tab.peekTokens()?.refreshToken)).toEqual(['rt-1', 'rt-1']);
  });

  it('sends one token request for five tabs when the new set reaches the waiting tabs before the lock does', async () => {
    const server = rotatingRefreshTokens();
    const fake = fakeLockManager({ manual: refreshLock() });
    const area = sharedSession();
    const tabs = Array.from({ length: 5 }, () => openTab(server.fetchTokens, webStorage(area), sync(fake)));
    const events = tabs.map(recordEvents);

    const calls = tabs.map((tab) => tab.getAccessToken());
    await vi.waitFor(() => expect(fake.pending()).toHaveLength(5));
    fake.grant();
    expect(await calls[0]).toBe('at-1');
    await vi.waitFor(() =>
      expect(tabs.map((tab) => tab.peekTokens()?.accessToken)).toEqual(Array(5).fill('at-1')),
    );
    while (fake.pending().length > 0 || fake.held().includes(refreshLock())) {
      fake.grant();
      await nextTask();
    }

    expect(await Promise.all(calls)).toEqual(Array(5).fill('at-1'));
    expect(server.requests).toEqual([{ refreshToken: 'rt-0' }]);
    expect(events[0]).toEqual(['refreshed']);
    for (const tabEvents of events.slice(1)) expect(tabEvents).toEqual(['synced']);
  });

  it('signs every tab out when one tab signs out', async () => {
    const server = rotatingRefreshTokens();
    const area = sharedSession(now + 600_000);
    const tabs = [0, 1, 2].map(() => openTab(server.fetchTokens, webStorage(area), sync(fakeLockManager())));
    await Promise.all(tabs.map((tab) => tab.getAccessToken()));
    const events = tabs.map(recordEvents);

    await tabs[0]!.clear();
    await vi.waitFor(() => expect(events.slice(1)).toEqual([['cleared:external'], ['cleared:external']]));

    expect(events[0]).toEqual(['cleared:clear']);
    expect(tabs.map((tab) => tab.peekTokens())).toEqual([undefined, undefined, undefined]);
    expect(area.getItem('tessera.tokens')).toBeNull();
    await expect(tabs[1]!.getAccessToken()).rejects.toBeInstanceOf(LoginRequiredError);
    expect(server.requests).toEqual([]);
  });

  it('sends no token request from a tab that was waiting for the lock when another tab signed out', async () => {
    const server = rotatingRefreshTokens();
    const fake = fakeLockManager({ manual: refreshLock() });
    const area = sharedSession();
    const [a, b] = [0, 1].map(() => openTab(server.fetchTokens, webStorage(area), sync(fake))) as [
      TokenManager,
      TokenManager,
    ];
    await a.ready();
    const events = recordEvents(b);
    const waiting = b.getAccessToken().catch((error: unknown) => error);
    await vi.waitFor(() => expect(fake.pending()).toEqual([refreshLock()]));

    await a.clear(); // its removal reaches B only while B reads storage under the lock
    fake.grant();

    expect(await waiting).toBeInstanceOf(LoginRequiredError);
    expect(server.requests).toEqual([]);
    expect(area.getItem('tessera.tokens')).toBeNull();
    expect([a.peekTokens(), b.peekTokens()]).toEqual([undefined, undefined]);
    expect(events[0]).toBe('cleared:external');
  });

  it('sends one token request from a tab that heard, while waiting for the lock, of a sign-in whose set is already due', async () => {
    const server = rotatingRefreshTokens(); // rt-0 is the new sign-in's refresh token; reuse ends the session
    const fake = fakeLockManager({ manual: refreshLock() });
    const area = fakeStorageArea();
    area.setItem(
      'tessera.tokens',
      JSON.stringify({ accessToken: 'at-old', tokenType: 'Bearer', refreshToken: 'rt-old', expiresAt: now }),
    );
    const [a, b] = [0, 1].map(() => openTab(server.fetchTokens, webStorage(area), sync(fake))) as [
      TokenManager,
      TokenManager,
    ];
    await a.ready();
    const events = recordEvents(b);
    const waiting = b.getAccessToken().catch((error: unknown) => error);
    await vi.waitFor(() => expect(fake.pending()).toEqual([refreshLock()]));

    // A signs in again; the set is due on arrival (expires_in 0, or a clock ahead of the server's).
    await a.setTokens({ access_token: 'at-signin', refresh_token: 'rt-0', expires_in: 0 });
    await vi.waitFor(() => expect(b.peekTokens()?.accessToken).toBe('at-signin'));
    while (fake.pending().length > 0 || fake.held().includes(refreshLock())) {
      fake.grant();
      await nextTask();
    }

    expect(await waiting).toBe('at-1');
    expect(server.requests).toEqual([{ refreshToken: 'rt-0' }]);
    expect(events).toEqual(['synced', 'refreshed']);
    await vi.waitFor(() => expect(a.peekTokens()?.accessToken).toBe('at-1'));
    expect(JSON.parse(area.getItem('tessera.tokens')!).refreshToken).toBe('rt-1');
  });

  it('signs every tab out when the server ends the session in one tab (invalid_grant)', async () => {
    const server = rotatingRefreshTokens();
    const area = sharedSession(now + 60_000);
    const tabs = [0, 1].map(() => openTab(server.fetchTokens, webStorage(area), sync(fakeLockManager())));
    await Promise.all(tabs.map((tab) => tab.getAccessToken()));
    const events = tabs.map(recordEvents);
    server.revoke();
    now += 120_000;

    await expect(tabs[0]!.getAccessToken()).rejects.toBeInstanceOf(OAuthError);
    await vi.waitFor(() => expect(events[1]).toEqual(['cleared:external']));

    expect(events[0]).toEqual(['refresh_failed', 'cleared:session_expired', 'session_expired']);
    expect(tabs[1]!.peekTokens()).toBeUndefined();
    expect(server.requests).toEqual([{ refreshToken: 'rt-0', error: 'invalid_grant' }]);
  });

  it('passes each rotated refresh token on between tabs that keep tokens in memory only', async () => {
    const server = rotatingRefreshTokens({ expiresIn: 60 });
    const fake = fakeLockManager();
    const [a, b] = [0, 1].map(() => openTab(server.fetchTokens, memoryStorage(), sync(fake))) as [
      TokenManager,
      TokenManager,
    ];
    await a.setTokens({ access_token: 'at-0', refresh_token: 'rt-0', expires_in: 60 });
    await vi.waitFor(() => expect(b.peekTokens()?.accessToken).toBe('at-0'));

    now += 120_000;
    expect(await b.getAccessToken()).toBe('at-1');
    await vi.waitFor(() => expect(a.peekTokens()?.accessToken).toBe('at-1'));
    now += 120_000;
    expect(await a.getAccessToken()).toBe('at-2');
    await vi.waitFor(() => expect(b.peekTokens()?.accessToken).toBe('at-2'));
    now += 120_000;
    expect(await b.getAccessToken()).toBe('at-3');

    expect(server.requests).toEqual([
      { refreshToken: 'rt-0' },
      { refreshToken: 'rt-1' },
      { refreshToken: 'rt-2' },
    ]);
  });

  it('refreshes on its own after lockTimeout when another tab never releases the lock', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const server = rotatingRefreshTokens();
    const tab = openTab(
      server.fetchTokens,
      webStorage(sharedSession()),
      sync(fakeLockManager({ manual: refreshLock() }), { lockTimeout: 3_000 }), // never granted
    );

    const token = tab.getAccessToken();
    await vi.advanceTimersByTimeAsync(2_999);
    expect(server.requests).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);

    expect(await token).toBe('at-1');
    expect(server.requests).toEqual([{ refreshToken: 'rt-0' }]);
  });

  it('by default waits out the manager’s worst-case refresh: a holder still working is never overtaken', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const server = rotatingRefreshTokens();
    // Default retry (3 retries, 200 ms doubling, jitter ≤ 2×) and timeout (10 s): 4 × 10 s + 2.8 s,
    // plus the holder's storage read and write (10 s each) + 1 s.
    const tab = new TokenManager({
      fetchTokens: server.fetchTokens,
      storage: webStorage(sharedSession()),
      crossTab: sync(fakeLockManager({ manual: refreshLock() })), // another tab holds it
      clock,
    });
    managers.push(tab);

    const token = tab.getAccessToken();
    await vi.advanceTimersByTimeAsync(63_799);
    expect(server.requests).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await token).toBe('at-1');
    expect(server.requests).toEqual([{ refreshToken: 'rt-0' }]);
  });

  it('re-reads storage when it stops waiting, and adopts the set the holder stored without a request', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const server = rotatingRefreshTokens();
    const area = sharedSession();
    const tab = openTab(
      server.fetchTokens,
      webStorage(area),
      sync(fakeLockManager({ manual: refreshLock() }), { lockTimeout: 3_000 }),
    );
    const events = recordEvents(tab);

    const token = tab.getAccessToken();
    await vi.advanceTimersByTimeAsync(2_000);
    // The holder stored its new set, but its announcement never arrived (a lost message).
    area.setItem(
      'tessera.tokens',
      JSON.stringify({
        accessToken: 'from-holder',
        tokenType: 'Bearer',
        refreshToken: 'rt-9',
        expiresAt: now + 600_000,
      }),
    );
    await vi.advanceTimersByTimeAsync(1_000);

    expect(await token).toBe('from-holder');
    expect(server.requests).toEqual([]);
    expect(events).toEqual(['synced']);
  });

  it('behaves as a single tab where Web Locks and BroadcastChannel are missing', async () => {
    vi.stubGlobal('BroadcastChannel', undefined);
    const server = rotatingRefreshTokens();
    const tab = new TokenManager({
      fetchTokens: server.fetchTokens,
      storage: webStorage(sharedSession()),
      crossTab: crossTab(),
      clock,
    });
    managers.push(tab);

    const tokens = await Promise.all(Array.from({ length: 200 }, () => tab.getAccessToken()));

    expect(new Set(tokens)).toEqual(new Set(['at-1']));
    expect(server.requests).toEqual([{ refreshToken: 'rt-0' }]);
  });

  it('leaves no open channel and no lock after StrictMode-style create, dispose, create cycles', async () => {
    const server = rotatingRefreshTokens();
    const fake = fakeLockManager();
    const area = sharedSession();
    const shared = sync(fake); // created once at module level, as an app would
    const held = server.hold();

    const first = openTab(server.fetchTokens, webStorage(area), shared);
    const abandoned = first.getAccessToken();
    await held.arrived;
    first.dispose();
    await expect(abandoned).rejects.toBeInstanceOf(DisposedError);
    openTab(server.fetchTokens, webStorage(area), shared).dispose();
    held.release();
    const last = openTab(server.fetchTokens, webStorage(area), shared);
    expect(await last.getAccessToken()).toBe('at-1');
    last.dispose();
    await nextTask();

    expect(channels.opened()).toBe(3);
    expect(channels.open()).toBe(0);
    expect(fake.held()).toEqual([]);
    expect(fake.pending()).toEqual([]);
    expect(server.requests).toEqual([{ refreshToken: 'rt-0' }]);
  });

  it("never adopts the sets or sign-outs of a manager with another key sharing the crossTab (another API's token)", async () => {
    const fake = fakeLockManager();
    const shared = sync(fake);
    const managerOf = (key: string) => {
      const manager = new TokenManager({
        key,
        fetchTokens: async () => ({ access_token: `${key}-refreshed`, expires_in: 3600 }),
        crossTab: shared,
        clock,
      });
      managers.push(manager);
      return manager;
    };
    const [orders, billing, ordersInAnotherTab] = [
      managerOf('orders'),
      managerOf('billing'),
      managerOf('orders'),
    ];
    await billing.setTokens({ access_token: 'billing-token', expires_in: 3600 });
    await orders.setTokens({ access_token: 'orders-token', expires_in: 3600 });
    await vi.waitFor(() => expect(ordersInAnotherTab.peekTokens()?.accessToken).toBe('orders-token'));
    await orders.clear();
    await vi.waitFor(() => expect(ordersInAnotherTab.peekTokens()).toBeUndefined());

    expect(await billing.getAccessToken()).toBe('billing-token');
  });

  it("names each Web Lock after the crossTab name and the manager's key", async () => {
    const server = rotatingRefreshTokens();
    const fake = fakeLockManager();
    const tab = new TokenManager({
      fetchTokens: server.fetchTokens,
      storage: webStorage(sharedSession()),
      crossTab: crossTab({ name: 'shop', locks: fake.locks, BroadcastChannel: channels.BroadcastChannel }),
      key: 'orders',
      clock,
    });
    managers.push(tab);

    await tab.getAccessToken();

    expect(fake.requested.filter((lock) => !lock.startsWith('shop/written/'))).toEqual([
      'shop/tessera:orders',
    ]);
  });
});
