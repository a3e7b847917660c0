import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TokenStorage } from './storage/token-storage.js';
import { TokenManager } from './token-manager.js';
import type { FetchTokens } from './token-manager-options.js';
import type { TokenSet } from './token-set.js';

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

/**
 * Storage shared by every tab, written by another process: `change(value)` stores it and tells every
 * subscriber (as `storage` events or a Redis subscription do). Each `get()` is counted and answers only
 * when the test calls `answer()`, with what storage held when it started: a read stays in flight while
 * changes keep coming.
 */
function sharedStorage() {
  let value: unknown = setOf(0);
  const subscribers = new Set<(value: unknown) => void>();
  const waiting: (() => void)[] = [];
  const shared = {
    reads: 0,
    change(next: unknown): void {
      value = next;
      for (const onChange of subscribers) onChange(next);
    },
    /** Answers every read waiting, each with what storage held when it started. */
    answer(): void {
      for (const release of waiting.splice(0)) release();
    },
    /** Answers reads until none is left waiting. */
    async drain(): Promise<void> {
      for (await settle(); waiting.length > 0; await settle()) shared.answer();
    },
    storage(): TokenStorage {
      return {
        get: () => {
          shared.reads += 1;
          const held = value; // what storage held when the read started
          return new Promise((resolve) => waiting.push(() => resolve(held)));
        },
        set: () => {},
        remove: () => {},
        subscribe: (onChange) => {
          subscribers.add(onChange);
          return () => subscribers.delete(onChange);
        },
      };
    },
  };
  return shared;
}

/** Lets every pending promise callback run. */
const settle = async (): Promise<void> => {
  await new Promise((resolve) => setImmediate(resolve));
};

describe('a storm of external storage changes', () => {
  it('costs each of 5 tabs 2 storage reads for 1000 changes (the one in flight and one after it), and every tab ends with the last set', async () => {
    const shared = sharedStorage();
    const fetchTokens = vi.fn<FetchTokens>();
    const tabs = Array.from({ length: 5 }, () => {
      const tab = new TokenManager({ fetchTokens, storage: shared.storage(), retry: false });
      managers.push(tab);
      return tab;
    });
    const loading = Promise.all(tabs.map((tab) => tab.ready()));
    await settle();
    shared.answer();
    await loading;
    expect(shared.reads).toBe(5); // the first read of each tab
    shared.change(setOf(1));
    await settle(); // each tab's read after the change has started, and waits for storage
    expect(shared.reads).toBe(10);
    for (let n = 2; n <= 1000; n++) shared.change(setOf(n));
    await shared.drain();
    expect(shared.reads).toBe(15);
    for (const tab of tabs)
      expect(tab.peekTokens()).toMatchObject({ accessToken: 'at-1000', refreshToken: 'rt-1000' });
    // The sets the storm replaced count as older: one heard again late is not adopted.
    shared.change(setOf(999));
    for (const tab of tabs) expect(tab.peekTokens()?.accessToken).toBe('at-1000');
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('still reads after a change heard while a read is in flight: a set that lands during it is not left unchecked', async () => {
    const shared = sharedStorage();
    const tab = new TokenManager({
      fetchTokens: vi.fn<FetchTokens>(),
      storage: shared.storage(),
      retry: false,
    });
    managers.push(tab);
    const loading = tab.ready();
    await settle();
    shared.answer();
    await loading;
    shared.change(setOf(1));
    await settle();
    shared.change(setOf(2)); // while the read of change 1 is in flight
    await shared.drain();
    expect(shared.reads).toBe(3);
    expect(tab.peekTokens()?.accessToken).toBe('at-2');
    // Both replaced sets were checked against storage and count as older.
    shared.change(setOf(0));
    shared.change(setOf(1));
    expect(tab.peekTokens()?.accessToken).toBe('at-2');
  });

  it('a change and one back to the set it replaced, joined into one read: the set ends as it began, the replaced one stays older (second reading, stop 38)', async () => {
    const shared = sharedStorage();
    const tab = new TokenManager({
      fetchTokens: vi.fn<FetchTokens>(),
      storage: shared.storage(),
      retry: false,
    });
    managers.push(tab);
    const loading = tab.ready();
    await settle();
    shared.answer();
    await loading;
    shared.change(setOf(1));
    await settle(); // the read of change 1 in flight
    shared.change(setOf(2));
    shared.change(setOf(0)); // joins the read queued for change 2
    await shared.drain();
    expect(shared.reads).toBe(3);
    expect(tab.peekTokens()?.accessToken).toBe('at-0');
    // Sets 1 and 2 were replaced and storage was read without them: heard again late, not adopted.
    shared.change(setOf(2));
    shared.change(setOf(1));
    expect(tab.peekTokens()?.accessToken).toBe('at-0');
  });

  it('dispose() with a read queued after two changes: one read, as any storage operation queued before dispose() runs; nothing rejects unhandled (second reading, stop 38)', async () => {
    const shared = sharedStorage();
    const tab = new TokenManager({
      fetchTokens: vi.fn<FetchTokens>(),
      storage: shared.storage(),
      retry: false,
    });
    const loading = tab.ready();
    await settle();
    shared.answer();
    await loading;
    shared.change(setOf(1));
    await settle(); // the read of change 1 in flight
    shared.change(setOf(2)); // a read queued behind it
    shared.change(setOf(3)); // joins it
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      tab.dispose();
      await shared.drain();
      await settle();
      expect(shared.reads).toBe(3);
      expect(unhandled).not.toHaveBeenCalled();
      shared.change(setOf(4)); // a disposed manager ignores changes
      await shared.drain();
      expect(shared.reads).toBe(3);
      expect(tab.peekTokens()?.accessToken).toBe('at-3');
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});
