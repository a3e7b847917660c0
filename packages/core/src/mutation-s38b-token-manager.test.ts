import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TokenStorage } from './storage/token-storage.js';
import { TokenManager } from './token-manager.js';
import type { FetchTokens } from './token-manager-options.js';
import type { TokenSet } from './token-set.js';

// Mutants of the storage read after another tab's change (`#reread`, stop 38) that the tests beside it let live.
const now = 1_700_000_000_000;

const managers: TokenManager[] = [];
afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
});

const setOf = (n: number, expiresAt = now + 3600_000): TokenSet => ({
  accessToken: `at-${n}`,
  tokenType: 'Bearer',
  refreshToken: `rt-${n}`,
  expiresAt,
});

/**
 * Storage another tab writes: `change(value)` stores it and tells the subscriber, `deliver(value)` only
 * tells it (an event heard late, storage already holds a later value). Reads are counted; while `hold` is
 * set, each waits for `answer()` with what storage held when it started.
 */
function sharedStorage(initial: TokenSet) {
  let value: unknown = initial;
  let onChange: ((value: unknown) => void) | undefined;
  const waiting: (() => void)[] = [];
  const shared: {
    reads: number;
    hold: boolean;
    change(next: unknown): void;
    deliver(next: unknown): void;
    answer(): void;
    storage: TokenStorage;
  } = {
    reads: 0,
    hold: false,
    change(next: unknown): void {
      value = next;
      shared.deliver(next);
    },
    deliver(next: unknown): void {
      onChange?.(next);
    },
    answer(): void {
      for (const release of waiting.splice(0)) release();
    },
    storage: {
      get: () => {
        shared.reads += 1;
        const held = value;
        return shared.hold ? new Promise((resolve) => waiting.push(() => resolve(held))) : held;
      },
      set: (next: unknown) => {
        value = next;
      },
      remove: () => {
        value = undefined;
      },
      subscribe: (listener: (value: unknown) => void) => {
        onChange = listener;
        return () => {
          onChange = undefined;
        };
      },
    },
  };
  return shared;
}

/** Lets every pending promise callback run. */
const settle = async (): Promise<void> => {
  await new Promise((resolve) => setImmediate(resolve));
};

describe('an older set heard late, while storage already holds ours', () => {
  it('does not make our set count as older: the due late set is replaced by the stored one, with no token request', async () => {
    const shared = sharedStorage(setOf(2));
    const fetchTokens = vi.fn<FetchTokens>(async () => ({ access_token: 'at-new', expires_in: 3600 }));
    const tokens = new TokenManager({ fetchTokens, storage: shared.storage, clock: () => now, retry: false });
    managers.push(tokens);
    expect((await tokens.ready())?.accessToken).toBe('at-2');
    // A set another tab stored before ours, heard only now: adopted (nothing tells it is older), and due.
    shared.deliver(setOf(1, now - 1));
    expect(tokens.peekTokens()?.accessToken).toBe('at-1');
    // Its refresh reads storage, which still holds set 2 (the storage read after the change saw it): set 2 is taken.
    expect(await tokens.getAccessToken()).toBe('at-2');
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(shared.reads).toBe(3); // the first read, the one after the change, the refresh's
  });
});

describe('a change heard while the storage read after an earlier change waits its turn', () => {
  it('joins that read, also when a refresh queued its own read in between: 4 storage reads, not 5', async () => {
    let time = now;
    const shared = sharedStorage(setOf(0));
    const fetchTokens = vi.fn<FetchTokens>(async () => ({
      access_token: 'at-new',
      refresh_token: 'rt-new',
      expires_in: 3600,
    }));
    const tokens = new TokenManager({
      fetchTokens,
      storage: shared.storage,
      clock: () => time,
      retry: false,
    });
    managers.push(tokens);
    await tokens.ready();
    expect(shared.reads).toBe(1);
    shared.hold = true;
    shared.change(setOf(1)); // read 2 starts, and waits for storage
    await settle();
    expect(shared.reads).toBe(2);
    shared.change(setOf(2)); // read 3 queued behind it
    time = now + 3600_000; // set 2 is due: the refresh queues read 4
    const token = tokens.getAccessToken();
    await settle();
    shared.change(setOf(3, now + 7200_000)); // joins read 3, which has not started; fresh, so the refresh hands over to it
    for (let round = 0; round < 5; round++) {
      shared.answer();
      await settle();
    }
    shared.hold = false;
    shared.answer();
    expect(await token).toBe('at-3');
    expect(shared.reads).toBe(4);
    expect(fetchTokens).not.toHaveBeenCalled();
  });
});
