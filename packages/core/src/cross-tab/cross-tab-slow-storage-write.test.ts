import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { elapse, settleAll } from '../../test/fixtures/elapse.js';
import { fakeLockManager } from '../../test/fixtures/fake-lock-manager.js';
import { immediateChannels } from '../../test/fixtures/immediate-channels.js';
import {
  type RotatingRefreshTokens,
  rotatingRefreshTokens,
} from '../../test/fixtures/rotating-refresh-tokens.js';
import type { TrackedChannels } from '../../test/fixtures/tracked-broadcast-channel.js';
import type { TokenStorage } from '../storage/token-storage.js';
import { TokenManager } from '../token-manager.js';
import { crossTab } from './cross-tab.js';
import type { WebLocks } from './web-locks.js';

const managers: TokenManager[] = [];
let channels: TrackedChannels;
let testNumber = 0;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  vi.stubGlobal('navigator', {}); // no `navigator.locks` unless a test passes its own
  channels = immediateChannels();
  testNumber += 1;
});
afterEach(() => {
  for (const manager of managers.splice(0)) manager.dispose();
  expect(vi.getTimerCount()).toBe(0);
  expect(channels.open()).toBe(0);
  channels.closeAll();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

/**
 * One store shared by every tab (an IndexedDB database), whose writes take `writeMs` to land; reads
 * answer at once. It starts with a due set (a stored OAuth response, decision 0025) carrying `rt-0`.
 */
function slowSharedStore(writeMs: number): () => TokenStorage {
  let value: unknown = { access_token: 'at-0', refresh_token: 'rt-0', expires_in: 600 };
  return () => ({
    get: () => value,
    set: (tokens) =>
      new Promise<void>((resolve) =>
        setTimeout(() => {
          value = tokens;
          resolve();
        }, writeMs),
      ),
    remove: () => {
      value = undefined;
    },
  });
}

function openTabs(
  server: RotatingRefreshTokens,
  count: number,
  writeMs: number,
  locks: WebLocks | undefined,
): TokenManager[] {
  const store = slowSharedStore(writeMs);
  return Array.from({ length: count }, () => {
    const manager = new TokenManager({
      fetchTokens: server.fetchTokens,
      storage: store(),
      retry: false,
      timeout: 1_000,
      crossTab: crossTab({
        name: `slow-write-${testNumber}`,
        BroadcastChannel: channels.BroadcastChannel,
        ...(locks ? { locks } : {}),
      }),
    });
    managers.push(manager);
    return manager;
  });
}

describe.each([
  ['without Web Locks', () => undefined],
  ['with Web Locks', () => fakeLockManager().locks as WebLocks],
])('crossTab %s, storage writes that land late', (_, locks) => {
  it.each([300, 1_500])(
    'sends one token request, never the spent refresh token, for three tabs refreshing at once when a write takes %i ms (timeout 1000 ms)',
    async (writeMs) => {
      const server = rotatingRefreshTokens();
      const tabs = openTabs(server, 3, writeMs, locks());
      const failures: string[] = [];
      for (const tab of tabs) {
        tab.subscribe((event) => {
          if (event.type === 'cleared' || event.type === 'refresh_failed') failures.push(event.type);
        });
      }

      const results = await settleAll(
        tabs.map((tab) => tab.getAccessToken()),
        20_000,
      );

      expect(server.requests).toEqual([{ refreshToken: 'rt-0' }]);
      expect(results).toEqual(Array(3).fill({ status: 'fulfilled', value: 'at-1' }));
      expect(failures).toEqual([]);
      await elapse(2_000); // every late write landed
    },
  );
});
