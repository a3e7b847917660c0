import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryStorage } from './storage/memory-storage.js';
import type { TokenStorage } from './storage/token-storage.js';
import { TokenManager } from './token-manager.js';
import type { FetchTokens } from './token-manager-options.js';

const START = 1_700_000_000_000;
let now = START;
const clock = () => now;

/** Answers `at-1`, `at-2`… valid for 600 s; counts token requests. */
function counting() {
  let n = 0;
  const fetchTokens = vi.fn<FetchTokens>(async () => {
    n += 1;
    return { access_token: `at-${n}`, refresh_token: 'rt', expires_in: 600 };
  });
  return fetchTokens;
}

const managers: TokenManager[] = [];
function manager(options: Partial<ConstructorParameters<typeof TokenManager>[0]> = {}) {
  const fetchTokens = counting();
  const tokens = new TokenManager({ fetchTokens, clock, retry: false, refreshMargin: 30_000, ...options });
  managers.push(tokens);
  return { tokens, fetchTokens };
}

afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
  now = START;
});

describe('freshTokens()', () => {
  it('is undefined before the first load, even when storage holds a valid set; never reads storage itself', async () => {
    const storage = memoryStorage();
    await storage.set({ accessToken: 'stored', tokenType: 'Bearer', expiresAt: START + 600_000 });
    const get = vi.spyOn(storage, 'get');
    const { tokens, fetchTokens } = manager({ storage });
    expect(tokens.freshTokens()).toBeUndefined();
    expect(get).not.toHaveBeenCalled();
    const loaded = await tokens.ready();
    expect(tokens.freshTokens()).toBe(loaded);
    expect(tokens.freshTokens()?.accessToken).toBe('stored');
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('returns the very set getTokens() resolves with, without a token request', async () => {
    const { tokens, fetchTokens } = manager();
    const set = await tokens.setTokens({ access_token: 'at-0', expires_in: 600 });
    expect(tokens.freshTokens()).toBe(set);
    expect(await tokens.getTokens()).toBe(set);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('is undefined from the refresh point on (expiry minus margin), exactly when getTokens() would refresh', async () => {
    const { tokens, fetchTokens } = manager();
    const set = await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt', expires_in: 600 });
    now = START + 570_000 - 1; // 1 ms before expiry − 30 s margin
    expect(tokens.freshTokens()).toBe(set);
    now = START + 570_000;
    expect(tokens.freshTokens()).toBeUndefined();
    now = START + 600_000 + 1; // expired
    expect(tokens.freshTokens()).toBeUndefined();
    expect(fetchTokens).not.toHaveBeenCalled(); // freshTokens never refreshes
    const next = await tokens.getTokens();
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(tokens.freshTokens()).toBe(next);
  });

  it('agrees with getTokens() at every instant of a token lifetime (parity)', async () => {
    const { tokens, fetchTokens } = manager();
    await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt', expires_in: 600 });
    for (let offset = 0; offset <= 700_000; offset += 10_000) {
      now = START + offset;
      const fresh = tokens.freshTokens();
      const requestsBefore = fetchTokens.mock.calls.length;
      const set = await tokens.getTokens();
      const requested = fetchTokens.mock.calls.length > requestsBefore;
      // fresh ⇔ getTokens() served this very set without a request
      expect(fresh === undefined, `offset ${offset}`).toBe(requested);
      if (fresh) expect(set).toBe(fresh);
    }
  });

  it('is undefined once the token is invalidated, until the refresh brought another one', async () => {
    const { tokens, fetchTokens } = manager();
    await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt', expires_in: 600 });
    expect(tokens.invalidate('at-0')).toBe(true);
    expect(tokens.freshTokens()).toBeUndefined();
    const pending = tokens.getTokens();
    expect(tokens.freshTokens()).toBeUndefined(); // refresh in flight: still nothing
    const next = await pending;
    expect(next.accessToken).toBe('at-1');
    expect(tokens.freshTokens()).toBe(next);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('is undefined after clear(), after dispose(), and for an expired set from another tab', async () => {
    let publish: (value: unknown) => void = () => {};
    const storage: TokenStorage = {
      ...memoryStorage(),
      subscribe: (onChange) => {
        publish = onChange;
        return () => {};
      },
    };
    const { tokens } = manager({ storage });
    await tokens.setTokens({ access_token: 'at-0', expires_in: 600 });
    publish({ accessToken: 'other-tab', tokenType: 'Bearer', expiresAt: START - 1 });
    expect(tokens.peekTokens()?.accessToken).toBe('other-tab');
    expect(tokens.freshTokens()).toBeUndefined();

    await tokens.setTokens({ access_token: 'at-0', expires_in: 600 });
    await tokens.clear();
    expect(tokens.freshTokens()).toBeUndefined();

    await tokens.setTokens({ access_token: 'at-0', expires_in: 600 });
    expect(tokens.freshTokens()?.accessToken).toBe('at-0');
    tokens.dispose();
    expect(tokens.freshTokens()).toBeUndefined();
    await expect(tokens.getTokens()).rejects.toMatchObject({ code: 'DISPOSED' });
  });

  it('serves a set without expiry for as long as it is not invalidated', async () => {
    const { tokens } = manager();
    const set = await tokens.setTokens({ access_token: 'at-0' });
    now = START + 365 * 24 * 3_600_000;
    expect(tokens.freshTokens()).toBe(set);
    tokens.invalidate('at-0');
    expect(tokens.freshTokens()).toBeUndefined();
  });

  it('the cached getAccessToken() reuses one resolved promise per set, never one of a replaced or cleared set', async () => {
    const { tokens } = manager();
    await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt', expires_in: 600 });
    const first = tokens.getAccessToken();
    expect(tokens.getAccessToken()).toBe(first);
    expect(await first).toBe('at-0');
    await tokens.setTokens({ access_token: 'set-later', expires_in: 600 });
    expect(await tokens.getAccessToken()).toBe('set-later');
    tokens.invalidate('set-later');
    expect(await tokens.getAccessToken()).toBe('at-1');
    await tokens.clear();
    expect(tokens.freshTokens()).toBeUndefined();
    expect(await tokens.getAccessToken()).toBe('at-2'); // a new token request, not the cleared at-1
    await tokens.setTokens({ access_token: 'again', expires_in: 600 });
    expect(await tokens.getAccessToken()).toBe('again');
  });
});
