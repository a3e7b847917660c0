import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeLockManager } from '../../test/fixtures/fake-lock-manager.js';
import { fakeStorageArea } from '../../test/fixtures/fake-storage-area.js';
import { immediateChannels } from '../../test/fixtures/immediate-channels.js';
import { manualChannels } from '../../test/fixtures/manual-channels.js';
import {
  type RotatingRefreshTokens,
  rotatingRefreshTokens,
} from '../../test/fixtures/rotating-refresh-tokens.js';
import { LoginRequiredError } from '../errors/login-required-error.js';
import type { TokenEvent } from '../events.js';
import { webStorage } from '../storage/web-storage.js';
import { TokenManager } from '../token-manager.js';
import { crossTab } from './cross-tab.js';

// A careless or hostile neighbour on the origin (another library, an old tab, an extension) writing
// the storage key or posting on the channel Tessera uses (decisions 0602, 0605).

const now = 1_700_000_000_000;
const KEY = 'tessera.tokens';
const set = (n: number | string) => ({
  accessToken: `at-${n}`,
  tokenType: 'Bearer',
  refreshToken: `rt-${n}`,
  expiresAt: now + 600_000,
});
const managers: TokenManager[] = [];
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const ticks = async (count = 10) => {
  for (let i = 0; i < count; i++) await tick();
};

afterEach(() => {
  for (const manager of managers.splice(0)) manager.dispose();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

/** Five tabs (one `localStorage`, one window's `storage` events) holding `at-0`, with every token request counted. */
async function fiveTabs() {
  const window = new EventTarget();
  vi.stubGlobal('window', window);
  const area = fakeStorageArea();
  area.setItem(KEY, JSON.stringify(set(0)));
  const channels = immediateChannels();
  const locks = fakeLockManager().locks;
  const requests: string[] = [];
  const events: TokenEvent[] = [];
  const tabs: TokenManager[] = [];
  for (let i = 0; i < 5; i++) {
    const manager = new TokenManager({
      // A refresh token grant: signed out, it has nothing to send.
      fetchTokens: async ({ refreshToken }) => {
        if (!refreshToken) throw new LoginRequiredError();
        requests.push(`tab ${i}`);
        return { access_token: `fresh-${i}`, refresh_token: `rt-fresh-${i}`, expires_in: 600 };
      },
      storage: webStorage(area),
      clock: () => now,
      crossTab: crossTab({ locks, BroadcastChannel: channels.BroadcastChannel }),
    });
    managers.push(manager);
    tabs.push(manager);
    manager.subscribe((event) => events.push(event));
    await manager.ready();
  }
  events.length = 0; // the five `loaded`
  /** Another script writes the key: the other tabs hear a `storage` event (this one hears all). */
  const write = (raw: string | null, key: string | null = KEY) => {
    if (key === null) area.clear();
    else if (raw === null) area.removeItem(key);
    else area.setItem(key, raw);
    window.dispatchEvent(Object.assign(new Event('storage'), { storageArea: area, key, newValue: raw }));
  };
  /** Another script posts on Tessera's channel. */
  const post = (...messages: unknown[]) => {
    const foreign = new channels.BroadcastChannel('tessera');
    for (const data of messages) foreign.postMessage(data);
    foreign.close();
  };
  /** What each tab hands out now (or the error class), after the dust settled. */
  const tokens = async () => {
    await ticks();
    return Promise.all(
      tabs.map((tab) => tab.getAccessToken().catch((error: unknown) => (error as Error).constructor.name)),
    );
  };
  return { area, write, post, tokens, requests, events, tabs };
}

/** Five tabs on one `localStorage` whose refreshes go to `server`; tab 0's Web Locks are dropped on `discard()`, as the browser does for a discarded page. */
async function tabsWithDiscardableHolder(server: RotatingRefreshTokens, holder = server.fetchTokens) {
  const area = fakeStorageArea();
  area.setItem(KEY, JSON.stringify({ ...set(0), expiresAt: now - 1 }));
  const channels = manualChannels();
  const shared = fakeLockManager().locks;
  let discard!: () => void;
  const discarded = new Promise<void>((resolve) => {
    discard = resolve;
  });
  const pageLocks = {
    request: (name: string, options: LockOptions, callback: (lock: Lock | null) => Promise<unknown>) =>
      shared.request(name, options, (lock) => Promise.race([callback(lock), discarded])),
    query: () => shared.query(),
  } as unknown as LockManager;
  const tabs = Array.from({ length: 5 }, (_, i) => {
    const manager = new TokenManager({
      fetchTokens: i === 0 ? holder : server.fetchTokens,
      storage: webStorage(area),
      clock: () => now,
      retry: false,
      crossTab: crossTab({
        locks: i === 0 ? pageLocks : shared,
        BroadcastChannel: channels.BroadcastChannel,
      }),
    });
    managers.push(manager);
    return manager;
  });
  for (const tab of tabs) await tab.ready();
  return { area, channels, tabs, discard };
}

const huge = `"${'x'.repeat(5 * 1024 * 1024)}"`;
const types = (events: TokenEvent[]) => [...new Set(events.map((event) => event.type))];

describe('crossTab next to a careless neighbour writing the storage key', () => {
  it.each([
    ['not JSON', '{"accessToken":"at-x"'],
    ['a number', '42'],
    ['a 5 MB string', huge],
    ['an array', '[1,2]'],
    ['a set whose expiresAt is a string', JSON.stringify({ ...set('x'), expiresAt: `${now + 600_000}` })],
    ['a set with a token type not accepted', JSON.stringify({ ...set('x'), tokenType: 'Foo' })],
  ])(
    'keeps the session in every tab, with one storage_error each and no token request: %s',
    async (_what, raw) => {
      const errors = vi.spyOn(console, 'error');
      const { write, tokens, requests, events } = await fiveTabs();
      write(raw);

      expect(await tokens()).toEqual(Array(5).fill('at-0'));
      expect(requests).toEqual([]);
      expect(types(events)).toEqual(['storage_error']);
      expect(events).toHaveLength(5);
      // The value is never quoted back (a 5 MB string, or a piece of a token).
      for (const event of events) expect(JSON.stringify(event).length).toBeLessThan(2_000);
      expect(errors).not.toHaveBeenCalled();
    },
  );

  it.each<[string, string | null, string | null]>([
    ['JSON null', 'null', KEY],
    ['a removal', null, KEY],
    ['localStorage.clear()', null, null],
  ])(
    'reads %s as a sign-out in every tab, as a read of it is (a removal: no storage_error)',
    async (_what, raw, key) => {
      const { write, tokens, requests, events } = await fiveTabs();
      write(raw, key);

      expect(await tokens()).toEqual(Array(5).fill(LoginRequiredError.name));
      expect(requests).toEqual([]);
      expect(events.filter((event) => event.type === 'cleared')).toHaveLength(5);
      expect(types(events)).toEqual(['cleared', 'refresh_failed']); // no storage_error; then the calls above
    },
  );

  it('adopts a well-formed set with extra fields (dropped), and one of another client: nothing in a set tells (decision 0605)', async () => {
    const { write, tokens, requests, area } = await fiveTabs();
    write(JSON.stringify({ ...set(1), issuer: 'https://other.example', clientId: 'other', extra: { a: 1 } }));

    expect(await tokens()).toEqual(Array(5).fill('at-1'));
    expect(requests).toEqual([]);
    expect(JSON.parse(area.getItem(KEY) as string)).toMatchObject({ accessToken: 'at-1' });
  });
});

describe('crossTab next to a neighbour writing a set that is due', () => {
  it.each([
    ['with a refresh token', { ...set('x'), expiresAt: now - 1 }, Array(5).fill('fresh-0'), ['tab 0']],
    [
      'without a refresh token',
      { ...set('x'), expiresAt: now - 1, refreshToken: undefined },
      Array(5).fill(LoginRequiredError.name),
      [],
    ],
  ])('sends at most one token request for five tabs: %s', async (_what, due, expected, sent) => {
    const { write, tokens, requests } = await fiveTabs();
    write(JSON.stringify(due));

    expect(await tokens()).toEqual(expected);
    expect(requests).toEqual(sent);
  });
});

describe('crossTab next to a tab still running an older release (messages without a key, decision 0605)', () => {
  it('adopts the old tab’s set once, through the storage event, and ignores its message', async () => {
    const { write, post, tokens, requests, events } = await fiveTabs();
    write(JSON.stringify(set('old')));
    post({ type: 'set', id: 'old-1', tokens: set('old') });

    expect(await tokens()).toEqual(Array(5).fill('at-old'));
    expect(requests).toEqual([]);
    expect(events.map((event) => event.type)).toEqual(Array(5).fill('synced'));
  });
});

describe('crossTab next to a neighbour posting on its BroadcastChannel', () => {
  it.each([
    ['not an object', 'hello'],
    ['null', null],
    ['a number', 42],
    ['a 5 MB string', huge],
    ['an old tab’s message without a key', { type: 'set', id: 'old-1', tokens: set('old') }],
    ['an old tab’s removal without a key', { type: 'remove', id: 'old-2' }],
    ['a message of another key', { type: 'set', id: 'o-1', key: 'other', tokens: set('other') }],
    ['a message without an id', { type: 'set', key: 'tessera', tokens: set('x') }],
    [
      'a set whose expiresAt is a string',
      { type: 'set', id: 'o-2', key: 'tessera', tokens: { ...set('x'), expiresAt: 'soon' } },
    ],
    [
      'a set in the wire format',
      { type: 'set', id: 'o-3', key: 'tessera', tokens: { access_token: 'at-x' } },
    ],
    ['an unknown type', { type: 'clear', id: 'o-4', key: 'tessera' }],
  ])('ignores %s: no event, no token request, no exception', async (_what, data) => {
    const errors = vi.spyOn(console, 'error');
    const { post, tokens, requests, events } = await fiveTabs();
    post(data);

    expect(await tokens()).toEqual(Array(5).fill('at-0'));
    expect(requests).toEqual([]);
    expect(events).toEqual([]);
    expect(errors).not.toHaveBeenCalled();
  });
});

describe('crossTab under a storm of changes', () => {
  it.each([
    ['a new set each other time', 1_000, (i: number) => (i % 2 ? 'a' : `b${i}`), 'at-b1000'],
    ['two sets, ending on the first', 1_001, (i: number) => (i % 2 ? 'a' : 'b'), 'at-a'],
  ])(
    'adopts the last of about 1,000 storage events in one task (%s), without a token request or a write per event',
    async (_what, count, name, last) => {
      const { write, tokens, requests, area, events } = await fiveTabs();
      const setItem = vi.spyOn(area, 'setItem');
      const getItem = vi.spyOn(area, 'getItem');
      for (let i = 1; i <= count; i++) write(JSON.stringify(set(name(i))));
      const writes = setItem.mock.calls.length; // the neighbour's own

      expect(await tokens()).toEqual(Array(5).fill(last));
      expect(requests).toEqual([]);
      expect(setItem.mock.calls.length - writes).toBe(0);
      expect(getItem).not.toHaveBeenCalled(); // the tabs answer from the newest set heard
      expect(JSON.parse(area.getItem(KEY) as string)).toMatchObject({ accessToken: last });
      expect(types(events)).toEqual(['synced']);
    },
  );

  it('adopts the last of 1,000 channel messages with alternating sets in one task, without a token request or a write', async () => {
    const { post, tokens, requests, area } = await fiveTabs();
    const setItem = vi.spyOn(area, 'setItem');
    post(
      ...Array.from({ length: 1_000 }, (_, i) => ({
        type: 'set',
        id: `w-${i + 1}`,
        key: 'tessera',
        tokens: set((i + 1) % 2 ? 'a' : `b${i + 1}`),
      })),
    );

    expect(await tokens()).toEqual(Array(5).fill('at-b1000'));
    expect(requests).toEqual([]);
    expect(setItem).not.toHaveBeenCalled();
  });
});

describe('crossTab with a frozen tab that holds the refresh lock', () => {
  it('lets the other tabs share one refresh as soon as the browser drops a discarded holder’s lock', async () => {
    const server = rotatingRefreshTokens();
    let frozen!: () => void;
    const arrived = new Promise<void>((resolve) => {
      frozen = resolve;
    });
    // Frozen before its request left: it never reaches the server, nor settles.
    const holder = () => {
      frozen();
      return new Promise<never>(() => {});
    };
    const { tabs, discard, channels, area } = await tabsWithDiscardableHolder(server, holder);
    void tabs[0]!.getAccessToken().catch(() => {});
    await arrived;
    const others = Promise.all(tabs.slice(1).map((tab) => tab.getAccessToken()));
    await ticks();
    discard(); // no JS runs in the page: its lock callback never settles, the browser releases the lock
    const ended = others.then(
      (values) => values,
      (error: unknown) => error,
    );
    for (let i = 0; i < 20; i++) {
      await ticks();
      channels.flush();
    }

    expect(await ended).toEqual(Array(4).fill('at-1'));
    expect(server.requests).toEqual([{ refreshToken: 'rt-0' }]);
    expect(JSON.parse(area.getItem(KEY) as string)).toMatchObject({ refreshToken: 'rt-1' });
  });

  it('lets the other tabs adopt the set of a holder that resumes, with exactly one token request', async () => {
    const server = rotatingRefreshTokens();
    const gate = server.hold(); // frozen while its request is at the server
    const { tabs, channels } = await tabsWithDiscardableHolder(server);
    const first = tabs[0]!.getAccessToken();
    await gate.arrived;
    const others = Promise.all(tabs.slice(1).map((tab) => tab.getAccessToken()));
    await ticks();
    gate.release(); // resumed
    const ended = Promise.all([first, others]);
    for (let i = 0; i < 20; i++) {
      await ticks();
      channels.flush();
    }

    expect(await ended).toEqual(['at-1', Array(4).fill('at-1')]);
    expect(server.requests).toEqual([{ refreshToken: 'rt-0' }]);
  });
});

describe('crossTab next to a tab of an older release that refreshes (its message has no key)', () => {
  it('refreshes with the refresh token the old tab stored, not the spent one it last heard of, when the storage event is late', async () => {
    const window = new EventTarget();
    vi.stubGlobal('window', window);
    let time = now;
    const area = fakeStorageArea();
    area.setItem(KEY, JSON.stringify({ ...set(0), expiresAt: now - 1 }));
    const channels = immediateChannels();
    const { locks } = fakeLockManager();
    const server = rotatingRefreshTokens();
    const [a, b] = [0, 1].map(() => {
      const manager = new TokenManager({
        fetchTokens: server.fetchTokens,
        storage: webStorage(area),
        clock: () => time,
        retry: false,
        crossTab: crossTab({ locks, BroadcastChannel: channels.BroadcastChannel }),
      });
      managers.push(manager);
      return manager;
    }) as [TokenManager, TokenManager];
    await Promise.all([a.ready(), b.ready()]);
    expect(await a.getAccessToken()).toBe('at-1');
    await ticks();
    expect(b.peekTokens()?.refreshToken).toBe('rt-1');

    // The old tab refreshes: it stores the new set, holds its write marker and posts it without a key.
    const answer = (await server.fetchTokens({
      refreshToken: 'rt-1',
      signal: new AbortController().signal,
    } as never)) as {
      access_token: string;
      refresh_token: string;
    };
    const stored = {
      accessToken: answer.access_token,
      tokenType: 'Bearer',
      refreshToken: answer.refresh_token,
      expiresAt: time + 1_200_000,
    };
    area.setItem(KEY, JSON.stringify(stored));
    void locks.request('tessera/written/old-1', () => new Promise(() => {}));
    const old = new channels.BroadcastChannel('tessera');
    old.postMessage({ type: 'set', id: 'old-1', tokens: stored });
    old.close();
    await ticks(); // its message arrived; its `storage` event has not yet
    time += 700_000; // at-1 is due, at-2 is not

    expect(await b.getAccessToken()).toBe('at-2');
    expect(server.requests).toEqual([{ refreshToken: 'rt-0' }, { refreshToken: 'rt-1' }]);
  });
});
