import { afterEach, describe, expect, it, vi } from 'vitest';
import { deferred } from '../../e2e-support/test-support/deferred.js';
import { memoryStorage } from './storage/memory-storage.js';
import type { TokenStorage } from './storage/token-storage.js';
import { TokenManager } from './token-manager.js';
import type { FetchTokens } from './token-manager-options.js';
import type { TokenResponse } from './token-set.js';

/**
 * The catalogue's "An unrelated code path clears the shared promise" (Okta's TokenManager set
 * `renewPromise = null` on `add()` and on cross-tab sync). The callers that arrive after the set was
 * replaced are given every chance to start a request of their own while the first one is still held:
 * the queue is drained before the held request is answered.
 */

const managers: TokenManager[] = [];
afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
});

/** Runs every pending microtask and I/O callback: the refreshes get as far as they can. */
async function drain(): Promise<void> {
  for (let round = 0; round < 20; round += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

function setUp() {
  const now = 1_700_000_000_000;
  let publish: (value: unknown) => void = () => {};
  const storage: TokenStorage = {
    ...memoryStorage(),
    subscribe: (onChange) => {
      publish = onChange;
      return () => {};
    },
  };
  const gate = deferred<TokenResponse>();
  let pending = 0;
  let mostAtOnce = 0;
  const fetchTokens = vi.fn<FetchTokens>(async () => {
    pending += 1;
    mostAtOnce = Math.max(mostAtOnce, pending);
    try {
      return await gate.promise;
    } finally {
      pending -= 1;
    }
  });
  const tokens = new TokenManager({ fetchTokens, storage, clock: () => now, retry: false });
  managers.push(tokens);
  const expired = (accessToken: string) => ({ accessToken, tokenType: 'Bearer', expiresAt: now - 1 });
  return {
    tokens,
    fetchTokens,
    gate,
    expired,
    publish: (value: unknown) => publish(value),
    mostAtOnce: () => mostAtOnce,
  };
}

describe('a refresh in flight when the set is replaced (Okta renewPromise reset)', () => {
  it('sends no second token request while the first is held, for 100 callers after setTokens()', async () => {
    const { tokens, fetchTokens, gate, expired, mostAtOnce } = setUp();
    const callers = [tokens.getAccessToken()];
    await vi.waitFor(() => expect(fetchTokens).toHaveBeenCalledTimes(1));
    await tokens.setTokens(expired('set-meanwhile'));
    callers.push(...Array.from({ length: 100 }, () => tokens.getAccessToken()));
    await drain();

    expect(fetchTokens).toHaveBeenCalledTimes(1);
    gate.resolve({ access_token: 'fresh', expires_in: 3600 });
    expect(new Set(await Promise.all(callers))).toEqual(new Set(['fresh']));
    // The replaced set is due: one refresh of it follows the first, never beside it (decision 0001).
    expect(fetchTokens).toHaveBeenCalledTimes(2);
    expect(mostAtOnce()).toBe(1);
  });

  it('sends no second token request while the first is held, for 100 callers after another tab stored a set', async () => {
    const { tokens, fetchTokens, gate, expired, publish, mostAtOnce } = setUp();
    const callers = [tokens.getAccessToken()];
    await vi.waitFor(() => expect(fetchTokens).toHaveBeenCalledTimes(1));
    publish(expired('published-meanwhile'));
    callers.push(...Array.from({ length: 100 }, () => tokens.getAccessToken()));
    await drain();

    expect(fetchTokens).toHaveBeenCalledTimes(1);
    gate.resolve({ access_token: 'fresh', expires_in: 3600 });
    expect(new Set(await Promise.all(callers))).toEqual(new Set(['fresh']));
    expect(fetchTokens).toHaveBeenCalledTimes(2);
    expect(mostAtOnce()).toBe(1);
  });
});
