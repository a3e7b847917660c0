import { afterEach, describe, expect, it, vi } from 'vitest';
import { manualChannels } from '../../test/fixtures/manual-channels.js';
import { memoryStorage } from '../storage/memory-storage.js';
import { TokenManager } from '../token-manager.js';
import type { FetchTokens } from '../token-manager-options.js';
import type { TokenSet } from '../token-set.js';
import { crossTab } from './cross-tab.js';

const managers: TokenManager[] = [];
afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
});

const setOf = (n: number): TokenSet => ({
  accessToken: `at-${n}`,
  tokenType: 'Bearer',
  refreshToken: `rt-${n}`,
  expiresAt: 1_700_000_000_000 + 3600_000,
});

/** Web Locks whose `query()` (what every storage read of a tab asks first) is counted and answers only on `answer()`. */
function slowQueryLocks() {
  const waiting: (() => void)[] = [];
  const counted = {
    queries: 0,
    locks: {
      request: async (_name: string, ...rest: unknown[]) => (rest.at(-1) as (lock: null) => unknown)(null),
      query: () => {
        counted.queries += 1;
        return new Promise((resolve) => waiting.push(() => resolve({ held: [], pending: [] })));
      },
    } as unknown as LockManager,
    /** Answers queries until none is left waiting. */
    async drain(): Promise<void> {
      for (await settle(); waiting.length > 0; await settle())
        for (const answer of waiting.splice(0)) answer();
    },
  };
  return counted;
}

/** Lets every pending promise callback run (one task: no clock is involved). */
const settle = async (): Promise<void> => {
  await new Promise((resolve) => setImmediate(resolve));
};

describe('crossTab: a storm of sets another tab posts', () => {
  it('costs 5 tabs 10 locks.query() for 1000 sets, not 5000, and each ends with the last set', async () => {
    const channels = manualChannels();
    const counted = slowQueryLocks();
    const fetchTokens = vi.fn<FetchTokens>();
    const tabs = Array.from({ length: 5 }, () => {
      const storage = memoryStorage();
      storage.set(setOf(0));
      const tab = new TokenManager({
        fetchTokens,
        storage,
        crossTab: crossTab({
          name: 'storm',
          locks: counted.locks,
          BroadcastChannel: channels.BroadcastChannel,
        }),
        retry: false,
      });
      managers.push(tab);
      return tab;
    });
    const loading = Promise.all(tabs.map((tab) => tab.ready()));
    await counted.drain();
    await loading;
    const before = counted.queries;
    const writer = new channels.BroadcastChannel('storm');
    const post = (n: number) =>
      writer.postMessage({ type: 'set', tokens: setOf(n), id: `w-${n}`, key: 'tessera' });
    post(1);
    channels.flush();
    await settle(); // each tab's read after the change has started and waits for its query
    for (let n = 2; n <= 1000; n++) post(n);
    channels.flush();
    await counted.drain();
    writer.close();
    expect(counted.queries - before).toBe(10);
    for (const tab of tabs)
      expect(tab.peekTokens()).toMatchObject({ accessToken: 'at-1000', refreshToken: 'rt-1000' });
    expect(fetchTokens).not.toHaveBeenCalled();
  });
});
