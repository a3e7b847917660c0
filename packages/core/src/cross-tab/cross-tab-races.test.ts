import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeLockManager } from '../../test/fixtures/fake-lock-manager.js';
import { fakeStorageArea } from '../../test/fixtures/fake-storage-area.js';
import { type ManualChannels, manualChannels } from '../../test/fixtures/manual-channels.js';
import { rotatingRefreshTokens } from '../../test/fixtures/rotating-refresh-tokens.js';
import { LoginRequiredError } from '../errors/login-required-error.js';
import { webStorage } from '../storage/web-storage.js';
import { TokenManager } from '../token-manager.js';
import type { FetchTokens } from '../token-manager-options.js';
import { crossTab } from './cross-tab.js';

const now = 1_700_000_000_000;
const clock = () => now;
const managers: TokenManager[] = [];
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const ticks = async (count = 10) => {
  for (let i = 0; i < count; i++) await tick();
};

afterEach(() => {
  for (const manager of managers.splice(0)) manager.dispose();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

function tab(options: {
  fetchTokens: FetchTokens;
  area: Storage;
  channels: ManualChannels;
  name: string;
  locks?: LockManager;
  retry?: false;
}): TokenManager {
  const manager = new TokenManager({
    fetchTokens: options.fetchTokens,
    storage: webStorage(options.area),
    clock,
    ...(options.retry === false ? { retry: false as const } : {}),
    crossTab: crossTab({
      name: options.name,
      locks: options.locks ?? fakeLockManager().locks,
      BroadcastChannel: options.channels.BroadcastChannel,
    }),
  });
  managers.push(manager);
  return manager;
}

describe('crossTab races', () => {
  it('keeps a sign-out when a refresh that started before it finishes in another tab', async () => {
    // The removal's message is never delivered in time: tab A waits the catch-up timeout for it.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const channels = manualChannels();
    const locks = fakeLockManager().locks;
    const area = fakeStorageArea();
    area.setItem(
      'tessera.tokens',
      JSON.stringify({
        accessToken: 'at-0',
        tokenType: 'Bearer',
        refreshToken: 'rt-0',
        expiresAt: now - 1000,
      }),
    );
    let answer!: (response: unknown) => void;
    const a = tab({
      fetchTokens: () =>
        new Promise((resolve) => {
          answer = resolve;
        }) as never,
      area,
      channels,
      name: 'p',
      locks,
      retry: false,
    });
    const b = tab({
      fetchTokens: async () => ({ access_token: 'never' }),
      area,
      channels,
      name: 'p',
      locks,
      retry: false,
    });
    await b.ready();
    const refreshing = a.getAccessToken();
    await ticks();
    await b.clear();
    answer({ access_token: 'at-1', refresh_token: 'rt-1', expires_in: 600 });
    const outcome = refreshing.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1_000); // the catch-up timeout (decision 0601)
    expect(await outcome).toBeInstanceOf(LoginRequiredError);
    await ticks();
    channels.flush();
    await ticks();

    expect(area.getItem('tessera.tokens')).toBeNull();
    expect(b.peekTokens()).toBeUndefined();
    expect(a.peekTokens()).toBeUndefined();
  });

  it.each([
    ['before', true],
    ['after', false],
  ])(
    'does not undo a sign-in made right after a sign-out in another tab when an older refresh ends (messages delivered %s the token response)',
    async (_when, deliverFirst) => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const channels = manualChannels();
      const locks = fakeLockManager().locks;
      const area = fakeStorageArea();
      area.setItem(
        'tessera.tokens',
        JSON.stringify({
          accessToken: 'at-0',
          tokenType: 'Bearer',
          refreshToken: 'rt-0',
          expiresAt: now - 1000,
        }),
      );
      let answer!: (response: unknown) => void;
      const fetchTokens = vi.fn(
        () =>
          new Promise((resolve) => {
            answer = resolve;
          }) as never,
      );
      const b = tab({ fetchTokens, area, channels, name: 'u', locks, retry: false });
      const a = tab({
        fetchTokens: async () => ({ access_token: 'never' }),
        area,
        channels,
        name: 'u',
        locks,
        retry: false,
      });
      await a.ready();
      const refreshing = b.getAccessToken().catch((error: unknown) => error);
      await ticks();
      await a.clear();
      await a.setTokens({ access_token: 'at-new', refresh_token: 'rt-new', expires_in: 600 });
      if (deliverFirst) channels.flush();
      answer({ access_token: 'at-1', refresh_token: 'rt-1', expires_in: 600 });
      await vi.advanceTimersByTimeAsync(1_000); // the catch-up timeout (decision 0601)
      const outcome = await refreshing;
      await ticks();
      channels.flush();
      await ticks();

      expect(fetchTokens).toHaveBeenCalledTimes(1);
      expect(outcome).toBe('at-new');
      expect(JSON.parse(area.getItem('tessera.tokens') ?? 'null')?.accessToken).toBe('at-new');
      expect(a.peekTokens()?.accessToken).toBe('at-new');
      expect(b.peekTokens()?.accessToken).toBe('at-new');
    },
  );

  it('refreshes with the stored refresh token, not its last heard one, after missing another tab’s message (restored from the back/forward cache)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const channels = manualChannels(); // never flushed: tab A hears nothing, as a page in the bfcache
    const locks = fakeLockManager().locks;
    const server = rotatingRefreshTokens();
    const area = fakeStorageArea();
    const a = tab({ fetchTokens: server.fetchTokens, area, channels, name: 'bf', locks, retry: false });
    await a.setTokens({ access_token: 'at-0', refresh_token: 'rt-0', expires_in: 0 });
    const b = tab({ fetchTokens: server.fetchTokens, area, channels, name: 'bf', locks, retry: false });
    expect(await b.getAccessToken()).toBe('at-1');

    const restored = a.getAccessToken();
    restored.catch(() => {}); // awaited below, after the timers ran
    await vi.advanceTimersByTimeAsync(1_000); // the catch-up timeout for B's unheard write (decision 0601)

    expect(await restored).toBe('at-1');
    expect(server.requests).toEqual([{ refreshToken: 'rt-0' }]);
    expect(JSON.parse(area.getItem('tessera.tokens')!).refreshToken).toBe('rt-1');
    expect([a.peekTokens()?.refreshToken, b.peekTokens()?.refreshToken]).toEqual(['rt-1', 'rt-1']);
  });

  it('is not signed out by a late channel removal after signing in again', async () => {
    const target = new EventTarget();
    vi.stubGlobal('window', target);
    const channels = manualChannels();
    const area = fakeStorageArea();
    const storageEvent = (newValue: string | null) =>
      target.dispatchEvent(
        Object.assign(new Event('storage'), { storageArea: area, key: 'tessera.tokens', newValue }),
      );
    const manager = tab({ fetchTokens: async () => ({ access_token: 'x' }), area, channels, name: 'c' });
    await manager.ready();
    const other = new channels.BroadcastChannel('c');
    other.postMessage({ type: 'remove', id: 'r1' }); // removing a key that was missing: no storage event
    channels.flush();
    const z = { accessToken: 'Z', tokenType: 'Bearer' };
    const w = { accessToken: 'W', tokenType: 'Bearer' };
    storageEvent(JSON.stringify(z));
    other.postMessage({ type: 'set', id: 's1', tokens: z });
    channels.flush();
    storageEvent(null);
    storageEvent(JSON.stringify(w));
    other.postMessage({ type: 'remove', id: 'r2' });
    other.postMessage({ type: 'set', id: 's2', tokens: w });
    channels.flush();
    await tick();

    expect(manager.peekTokens()?.accessToken).toBe('W');
    other.close();
  });

  it('reads the stored session when a malformed channel message arrived before the first read', async () => {
    const channels = manualChannels();
    const area = fakeStorageArea();
    area.setItem(
      'tessera.tokens',
      JSON.stringify({ accessToken: 'at-0', tokenType: 'Bearer', expiresAt: now + 3_600_000 }),
    );
    const manager = tab({ fetchTokens: async () => ({ access_token: 'n' }), area, channels, name: 'g' });
    const other = new channels.BroadcastChannel('g');
    other.postMessage({ type: 'set', id: 'x', tokens: { hello: 1 } });
    channels.flush();

    expect((await manager.ready())?.accessToken).toBe('at-0');
    other.close();
  });

  it('reads the stored session, and reports nothing, when a set the manager cannot use arrived on the channel first (a hostile script)', async () => {
    const channels = manualChannels();
    const area = fakeStorageArea();
    area.setItem(
      'tessera.tokens',
      JSON.stringify({ accessToken: 'at-0', tokenType: 'Bearer', expiresAt: now + 3_600_000 }),
    );
    const manager = tab({ fetchTokens: async () => ({ access_token: 'n' }), area, channels, name: 'g' });
    const events: string[] = [];
    manager.subscribe((event) => events.push(event.type));
    const other = new channels.BroadcastChannel('g');
    // Our shape and key, but an expiry that is no number: the manager cannot use it.
    other.postMessage({
      type: 'set',
      id: 'x',
      key: 'tessera',
      tokens: { accessToken: 'junk', expiresAt: 'soon' },
    });
    channels.flush();

    expect((await manager.ready())?.accessToken).toBe('at-0');
    other.postMessage({
      type: 'set',
      id: 'y',
      key: 'tessera',
      tokens: { accessToken: 'junk', tokenType: 'Evil' },
    });
    channels.flush();
    expect(await manager.getAccessToken()).toBe('at-0');
    expect(events).toEqual(['loaded']);
    other.close();
  });

  it('works as a single tab when the BroadcastChannel constructor throws (sandboxed iframe)', async () => {
    const area = fakeStorageArea();
    const Throwing = class {
      constructor() {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      }
    } as unknown as typeof BroadcastChannel;
    const manager = new TokenManager({
      fetchTokens: async () => ({ access_token: 'solo', expires_in: 600 }),
      storage: webStorage(area),
      clock,
      crossTab: crossTab({ name: 's', locks: fakeLockManager().locks, BroadcastChannel: Throwing }),
    });
    managers.push(manager);
    const events: string[] = [];
    manager.subscribe((event) => events.push(event.type));

    expect(await manager.getAccessToken()).toBe('solo');
    await manager.clear();
    expect(area.getItem('tessera.tokens')).toBeNull();
    expect(events).not.toContain('storage_error');
  });

  it.each([Number.NaN, -1, '5000' as unknown as number])(
    'refuses lockTimeout %s with a TypeError',
    (lockTimeout) => {
      expect(() => crossTab({ lockTimeout })).toThrow(TypeError);
    },
  );
});
