import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryStorage } from './storage/memory-storage.js';
import { TokenManager } from './token-manager.js';
import type { FetchTokens } from './token-manager-options.js';
import type { TokenSet } from './token-set.js';

const managers: TokenManager[] = [];
afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
  vi.restoreAllMocks();
});

/** A manager whose token endpoint rotates: `at-N`/`rt-N`; `sent` lists the refresh token of each request. */
function setup() {
  const sent: (string | undefined)[] = [];
  const fetchTokens = vi.fn<FetchTokens>(async ({ refreshToken }) => {
    sent.push(refreshToken);
    return { access_token: `at-${sent.length}`, refresh_token: `rt-${sent.length}`, expires_in: 600 };
  });
  const storage = memoryStorage();
  const tokens = new TokenManager({ fetchTokens, storage, retry: false });
  managers.push(tokens);
  return { tokens, storage, sent, fetchTokens };
}

/** What a careless caller or listener does to a set it was handed, and the error each attempt threw. */
function tamper(set: TokenSet | undefined): unknown[] {
  const thrown: unknown[] = [];
  const attempts = [
    () => {
      (set as TokenSet).accessToken = 'forged';
    },
    () => {
      delete (set as TokenSet).refreshToken;
    },
    () => {
      (set as TokenSet).expiresAt = Number.MAX_SAFE_INTEGER;
    },
  ];
  for (const attempt of attempts) {
    try {
      attempt();
    } catch (error) {
      thrown.push(error);
    }
  }
  return thrown;
}

describe('the sets a TokenManager hands out cannot be changed in place', () => {
  it('a caller changing what getTokens, peekTokens, freshTokens or ready return gets a TypeError; the manager sends its own set', async () => {
    const { tokens, storage, sent } = setup();
    await storage.set({
      accessToken: 'at-0',
      refreshToken: 'rt-0',
      tokenType: 'Bearer',
      expiresAt: Date.now() + 600_000,
    });
    const handedOut = [
      await tokens.ready(),
      await tokens.getTokens(),
      tokens.peekTokens(),
      tokens.freshTokens(),
    ];
    // One object, not a copy per call: the cached path allocates nothing (decision 0019).
    expect(new Set(handedOut).size).toBe(1);
    for (const set of handedOut) {
      expect(tamper(set).map((error) => error instanceof TypeError)).toEqual([true, true, true]);
    }

    expect(await tokens.getAccessToken()).toBe('at-0');
    expect(await tokens.getAccessToken({ forceRefresh: true })).toBe('at-1');
    expect(sent).toEqual(['rt-0']);
  });

  it('a listener changing the set of loaded, tokens_set or refreshed changes nothing sent or stored', async () => {
    const { tokens, storage, sent } = setup();
    const heard: [string, number][] = [];
    tokens.subscribe((event) => {
      if ('tokens' in event) heard.push([event.type, tamper(event.tokens).length]);
    });
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    await storage.set({
      accessToken: 'at-s',
      refreshToken: 'rt-s',
      tokenType: 'Bearer',
      expiresAt: Date.now() + 600_000,
    });
    await tokens.ready();
    await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt-0', expires_in: 600 });
    await tokens.getAccessToken({ forceRefresh: true });
    await tokens.getAccessToken({ forceRefresh: true });

    expect(heard).toEqual([
      ['loaded', 3],
      ['tokens_set', 3],
      ['refreshed', 3],
      ['refreshed', 3],
    ]);
    expect(log).not.toHaveBeenCalled();
    expect(sent).toEqual(['rt-0', 'rt-1']);
    expect(await tokens.getAccessToken()).toBe('at-2');
    expect(await storage.get()).toMatchObject({ accessToken: 'at-2', refreshToken: 'rt-2' });
  });

  it('a set another replica stored is handed out frozen too (synced)', async () => {
    let deliver: (value: unknown) => void = () => {};
    const storage = memoryStorage();
    const tokens = new TokenManager({
      fetchTokens: async () => ({ access_token: 'unused' }),
      storage: {
        ...storage,
        subscribe: (listener) => {
          deliver = listener;
          return () => {};
        },
      },
    });
    managers.push(tokens);
    const synced: TokenSet[] = [];
    tokens.subscribe((event) => event.type === 'synced' && synced.push(event.tokens));
    await tokens.setTokens({ access_token: 'at-0', expires_in: 600 });
    deliver({ accessToken: 'at-9', tokenType: 'Bearer', expiresAt: Date.now() + 600_000 });

    expect(synced).toHaveLength(1);
    expect(Object.isFrozen(synced[0])).toBe(true);
    expect(await tokens.getAccessToken()).toBe('at-9');
  });

  it('leaves the object given to setTokens as it was: only the set the manager made is frozen', async () => {
    const { tokens } = setup();
    const mine: TokenSet = { accessToken: 'at-0', tokenType: 'Bearer', refreshToken: 'rt-0' };
    const set = await tokens.setTokens(mine);
    expect(set).not.toBe(mine);
    mine.accessToken = 'at-mine';
    expect(Object.isFrozen(set)).toBe(true);
    expect(await tokens.getAccessToken()).toBe('at-0');
  });
});
