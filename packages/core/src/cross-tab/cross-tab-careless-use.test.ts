import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type FakeLocks, fakeLockManager } from '../../test/fixtures/fake-lock-manager.js';
import { fakeStorageArea } from '../../test/fixtures/fake-storage-area.js';
import { rotatingRefreshTokens } from '../../test/fixtures/rotating-refresh-tokens.js';
import { type TrackedChannels, trackedChannels } from '../../test/fixtures/tracked-broadcast-channel.js';
import type { CrossTabSync } from '../cross-tab-sync.js';
import { DisposedError } from '../errors/disposed-error.js';
import { LoginRequiredError } from '../errors/login-required-error.js';
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
  channelName = `cross-tab-careless-${testNumber}`; // test files may share a process: never hear another test
});

afterEach(() => {
  for (const manager of managers.splice(0)) manager.dispose();
  expect(channels.open()).toBe(0);
  channels.closeAll();
});

function open(fetchTokens: FetchTokens, storage: Storage, sync: CrossTabSync): TokenManager {
  const manager = new TokenManager({
    fetchTokens,
    storage: webStorage(storage),
    crossTab: sync,
    clock,
    retry: false,
  });
  managers.push(manager);
  return manager;
}

const sync = (fake: FakeLocks): CrossTabSync =>
  crossTab({ name: channelName, locks: fake.locks, BroadcastChannel: channels.BroadcastChannel });

/** localStorage shared by every tab, holding an expired access token and the valid refresh token `rt-0`. */
function sharedSession(): Storage {
  const area = fakeStorageArea();
  area.setItem(
    'tessera.tokens',
    JSON.stringify({
      accessToken: 'at-0',
      tokenType: 'Bearer',
      refreshToken: 'rt-0',
      expiresAt: now - 1_000,
    }),
  );
  return area;
}

describe('crossTab used carelessly', () => {
  it('sends one token request for two managers with the same key and storage in one tab, sharing one crossTab(), and a sign-out in one reaches the other', async () => {
    const server = rotatingRefreshTokens();
    const fake = fakeLockManager();
    const area = sharedSession();
    const shared = sync(fake);
    const [first, second] = [0, 1].map(() => open(server.fetchTokens, area, shared)) as [
      TokenManager,
      TokenManager,
    ];

    const tokens = await Promise.all(
      [first, second, first, second].map((manager) => manager.getAccessToken()),
    );

    expect(tokens).toEqual(['at-1', 'at-1', 'at-1', 'at-1']);
    expect(server.requests).toEqual([{ refreshToken: 'rt-0' }]);
    await first.clear();
    await vi.waitFor(() => expect(second.peekTokens()).toBeUndefined());
    await expect(second.getAccessToken()).rejects.toBeInstanceOf(LoginRequiredError);
    expect(area.getItem('tessera.tokens')).toBeNull();
    expect(server.requests).toEqual([{ refreshToken: 'rt-0' }]);
  });

  it('lets the waiting tabs share one refresh when the tab holding the lock is disposed mid-refresh', async () => {
    const server = rotatingRefreshTokens();
    const fake = fakeLockManager();
    const area = sharedSession();
    const [holder, ...others] = [0, 1, 2].map(() =>
      open(server.fetchTokens, area, sync(fake)),
    ) as TokenManager[];
    const held = server.hold();

    const abandoned = holder!.getAccessToken();
    await held.arrived;
    const waiting = Promise.all(others.map((tab) => tab.getAccessToken()));
    await vi.waitFor(() => expect(fake.pending()).toHaveLength(2));
    holder!.dispose(); // its request is aborted before the server answers: rt-0 is not spent
    await expect(abandoned).rejects.toBeInstanceOf(DisposedError);
    held.release();

    expect(await waiting).toEqual(['at-1', 'at-1']);
    expect(server.requests).toEqual([{ refreshToken: 'rt-0' }]);
    expect(JSON.parse(area.getItem('tessera.tokens')!).refreshToken).toBe('rt-1');
    await vi.waitFor(() => expect(fake.pending()).toEqual([]));
  });
});
