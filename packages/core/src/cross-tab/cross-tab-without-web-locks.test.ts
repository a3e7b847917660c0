import { createAuthServer, createTestClock, failUnhandledRequest } from '@tessera/testing';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { settleAll } from '../../test/fixtures/elapse.js';
import { fakeStorageArea } from '../../test/fixtures/fake-storage-area.js';
import { immediateChannels } from '../../test/fixtures/immediate-channels.js';
import type { TrackedChannels } from '../../test/fixtures/tracked-broadcast-channel.js';
import { refreshTokenGrant } from '../grants/refresh-token-grant.js';
import { webStorage } from '../storage/web-storage.js';
import { TokenManager } from '../token-manager.js';
import { crossTab } from './cross-tab.js';
import type { WebLocks } from './web-locks.js';

const clock = createTestClock(Date.parse('2026-01-01T00:00:00Z'));
// Rotating refresh tokens with reuse detection that revokes the whole family, as oidc-provider and Auth0 do.
const auth = createAuthServer({ clock: clock.now });
const msw = setupServer(...auth.handlers);
const managers: TokenManager[] = [];
let channels: TrackedChannels;
let testNumber = 0;

beforeAll(() => msw.listen({ onUnhandledRequest: failUnhandledRequest }));
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  vi.stubGlobal('navigator', {}); // a browser without Web Locks: no `navigator.locks`
  channels = immediateChannels();
  testNumber += 1;
});
afterEach(() => {
  for (const manager of managers.splice(0)) manager.dispose();
  expect(vi.getTimerCount()).toBe(0);
  expect(channels.open()).toBe(0);
  channels.closeAll();
  auth.reset();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});
afterAll(() => msw.close());

/** Web Locks the browser refuses, as in an opaque-origin (sandboxed) iframe: every call rejects with a `SecurityError`. */
const refusedLocks: WebLocks = {
  request: () => Promise.reject(new DOMException('The request was denied.', 'SecurityError')),
  query: () => Promise.reject(new DOMException('The request was denied.', 'SecurityError')),
};

/** `count` tabs sharing localStorage and BroadcastChannel, in a browser without Web Locks (or with `locks` given). */
function openTabs(count: number, locks?: WebLocks): TokenManager[] {
  const area = fakeStorageArea();
  return Array.from({ length: count }, () => {
    const manager = new TokenManager({
      fetchTokens: refreshTokenGrant({ tokenUrl: auth.tokenUrl, clientId: 'web' }),
      storage: webStorage(area),
      clock: clock.now,
      retry: false,
      crossTab: crossTab({
        name: `without-web-locks-${testNumber}`,
        BroadcastChannel: channels.BroadcastChannel,
        ...(locks ? { locks } : {}),
      }),
    });
    managers.push(manager);
    return manager;
  });
}

describe('crossTab without Web Locks', () => {
  it.each([
    ['missing', undefined],
    ['refused by the browser (SecurityError)', refusedLocks],
  ])(
    'sends one token request per expiry for five tabs refreshing at once, and signs no tab out (rotation with reuse detection), Web Locks %s',
    async (_, locks) => {
      const tabs = openTabs(5, locks);
      await tabs[0]!.setTokens(await auth.issueTokens());
      await Promise.all(tabs.map((tab) => tab.ready()));
      const failures: string[] = [];
      for (const tab of tabs) {
        tab.subscribe((event) => {
          if (event.type === 'cleared' || event.type === 'refresh_failed') failures.push(event.type);
        });
      }

      for (const expiry of [1, 2]) {
        clock.advance(3_600_000); // every tab's access token has expired
        const results = await settleAll(tabs.map((tab) => tab.getAccessToken()));

        expect(results.map((result) => result.status)).toEqual(Array(5).fill('fulfilled'));
        expect(auth.tokenRequests.map((request) => request.status)).toEqual(Array(expiry).fill(200));
        const newest = tabs[0]!.peekTokens()?.accessToken;
        expect(results.map((result) => (result as PromiseFulfilledResult<string>).value)).toEqual(
          Array(5).fill(newest),
        );
      }
      expect(failures).toEqual([]);
    },
  );
});
