import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeLockManager } from '../../test/fixtures/fake-lock-manager.js';
import { fakeStorageArea } from '../../test/fixtures/fake-storage-area.js';
import { type ManualChannels, manualChannels } from '../../test/fixtures/manual-channels.js';
import { rotatingRefreshTokens } from '../../test/fixtures/rotating-refresh-tokens.js';
import { LoginRequiredError } from '../errors/login-required-error.js';
import type { TokenEvent } from '../events.js';
import { webStorage } from '../storage/web-storage.js';
import { TokenManager } from '../token-manager.js';
import type { FetchTokens } from '../token-manager-options.js';
import { crossTab } from './cross-tab.js';

const now = 1_700_000_000_000;
const managers: TokenManager[] = [];
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

afterEach(() => {
  for (const manager of managers.splice(0)) manager.dispose();
  vi.unstubAllGlobals();
});

function tab(fetchTokens: FetchTokens, area: Storage, channels: ManualChannels, locks: LockManager) {
  const manager = new TokenManager({
    fetchTokens,
    storage: webStorage(area),
    clock: () => now,
    retry: false,
    crossTab: crossTab({ name: 'q', locks, BroadcastChannel: channels.BroadcastChannel }),
  });
  managers.push(manager);
  const events: TokenEvent['type'][] = [];
  manager.subscribe((event) => events.push(event.type));
  return { manager, events };
}

/** A `localStorage` that is full: every `setItem` throws, as Chromium's does past its quota. */
function fullArea(): Storage {
  const area = fakeStorageArea();
  area.setItem(
    'tessera.tokens',
    JSON.stringify({ accessToken: 'at-0', tokenType: 'Bearer', refreshToken: 'rt-0', expiresAt: now - 1000 }),
  );
  area.setItem = () => {
    throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  };
  return area;
}

describe('crossTab when storing a refreshed set fails (a full localStorage)', () => {
  it('keeps the new set in the open tabs and lets no tab opened later refresh with the spent refresh token', async () => {
    const server = rotatingRefreshTokens();
    const area = fullArea();
    const channels = manualChannels();
    const locks = fakeLockManager().locks;
    const a = tab(server.fetchTokens, area, channels, locks);
    const b = tab(server.fetchTokens, area, channels, locks);
    await b.manager.ready();

    expect(await a.manager.getAccessToken()).toBe('at-1');
    expect(a.events).toContain('storage_error');
    channels.flush();
    expect(await b.manager.getAccessToken()).toBe('at-1');

    // A tab opened later finds no session: never the set whose refresh token `at-1`'s refresh spent.
    const c = tab(server.fetchTokens, area, channels, locks);
    await expect(c.manager.getAccessToken()).rejects.toBeInstanceOf(LoginRequiredError);

    expect(area.getItem('tessera.tokens')).toBeNull();
    expect(server.requests).toEqual([{ refreshToken: 'rt-0' }]);
    expect([a.manager.peekTokens()?.refreshToken, b.manager.peekTokens()?.refreshToken]).toEqual([
      'rt-1',
      'rt-1',
    ]);
    expect(b.events).not.toContain('cleared');
  });

  it('stores the next refreshed set once storage has room again, and signs no tab out', async () => {
    const server = rotatingRefreshTokens();
    const area = fullArea();
    const channels = manualChannels();
    const locks = fakeLockManager().locks;
    let time = now;
    const tabAt = () => {
      const manager = new TokenManager({
        fetchTokens: server.fetchTokens,
        storage: webStorage(area),
        clock: () => time,
        retry: false,
        crossTab: crossTab({ name: 'q', locks, BroadcastChannel: channels.BroadcastChannel }),
      });
      managers.push(manager);
      const events: TokenEvent['type'][] = [];
      manager.subscribe((event) => events.push(event.type));
      return { manager, events };
    };
    const a = tabAt();
    const b = tabAt();
    await b.manager.ready();
    expect(await a.manager.getAccessToken()).toBe('at-1');
    channels.flush();

    // Room again (another tab's data was cleared); `at-1` expires: the next refresh is stored.
    const room = fakeStorageArea();
    Object.assign(area, { setItem: room.setItem, getItem: room.getItem, removeItem: room.removeItem });
    time += 600_000;
    expect(await a.manager.getAccessToken()).toBe('at-2');
    channels.flush();
    expect(await b.manager.getAccessToken()).toBe('at-2');

    expect(JSON.parse(area.getItem('tessera.tokens') ?? 'null')?.refreshToken).toBe('rt-2');
    expect(server.requests).toEqual([{ refreshToken: 'rt-0' }, { refreshToken: 'rt-1' }]);
    expect(a.events).not.toContain('cleared');
    expect(b.events).not.toContain('cleared');
  });

  it('is not signed out by the removal of the set a failed write replaced', async () => {
    const target = new EventTarget();
    vi.stubGlobal('window', target);
    const area = fakeStorageArea();
    const stored = {
      accessToken: 'at-0',
      tokenType: 'Bearer',
      refreshToken: 'rt-0',
      expiresAt: now + 600_000,
    };
    area.setItem('tessera.tokens', JSON.stringify(stored));
    const channels = manualChannels();
    const b = tab(async () => ({ access_token: 'never' }), area, channels, fakeLockManager().locks);
    await b.manager.ready();

    // Tab A refreshed and could not store `at-1`: its message, then the `storage` event of its removal.
    const other = new channels.BroadcastChannel('q');
    const tokens = { ...stored, accessToken: 'at-1', refreshToken: 'rt-1' };
    other.postMessage({ type: 'set', tokens, id: 'w1', key: 'tessera', unstored: true });
    channels.flush();
    area.removeItem('tessera.tokens');
    target.dispatchEvent(
      Object.assign(new Event('storage'), { storageArea: area, key: 'tessera.tokens', newValue: null }),
    );
    await tick();

    expect(b.manager.peekTokens()?.refreshToken).toBe('rt-1');
    expect(b.events).toEqual(['loaded', 'synced']);
    other.close();
  });
});
