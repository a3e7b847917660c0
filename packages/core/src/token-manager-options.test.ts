import { describe, expect, it } from 'vitest';
import { TokenManager } from './token-manager.js';
import type { TokenManagerOptions } from './token-manager-options.js';

const fetchTokens = async () => ({ access_token: 'a' });
/** Plain-JS construction: the options are not checked by TypeScript. */
function create(options: unknown): TokenManager {
  return new TokenManager(options as TokenManagerOptions);
}

describe('new TokenManager(options) validates its options at once', () => {
  it.each([
    [undefined, /"options" must be an object/],
    [{}, /"fetchTokens" must be a function, got undefined, e.g. refreshTokenGrant/],
    [{ fetchTokens: 'https://auth.example.test/token' }, /"fetchTokens" must be a function/],
    [{ fetchTokens, refreshMargin: -1 }, /"refreshMargin" must be a number of milliseconds ≥ 0, got -1/],
    [{ fetchTokens, refreshMargin: Number.NaN }, /"refreshMargin" .* got NaN/],
    [{ fetchTokens, refreshMargin: '30s' }, /"refreshMargin" .* got string/],
    [{ fetchTokens, refreshMargin: Number.POSITIVE_INFINITY }, /"refreshMargin"/],
    [{ fetchTokens, timeout: -5 }, /"timeout" .* got -5/],
    [{ fetchTokens, timeout: Number.NaN }, /"timeout"/],
    // axios's 0 for "no timeout" made every token request time out at once.
    [
      { fetchTokens, timeout: 0 },
      /"timeout" must be a number of milliseconds > 0, or Infinity for none, got 0/,
    ],
    // Compared with `> 0` alone, these passed (JavaScript converts them to numbers).
    [{ fetchTokens, timeout: '5000' }, /"timeout" .* got string/],
    [{ fetchTokens, timeout: true }, /"timeout" .* got true/],
    [{ fetchTokens, timeout: [5] }, /"timeout" .* got/],
    [{ fetchTokens, rejectionCooldown: -1 }, /"rejectionCooldown"/],
    [{ fetchTokens, retry: { retries: -1 } }, /"retry.retries"/],
    [{ fetchTokens, retry: { retries: 1.5 } }, /"retry.retries" must be a whole number ≥ 0, got 1.5/],
    [{ fetchTokens, retry: { minTimeout: Number.NaN } }, /"retry.minTimeout"/],
    [{ fetchTokens, retry: { maxTimeout: -1 } }, /"retry.maxTimeout"/],
    [{ fetchTokens, retry: { maxRetryAfter: -1 } }, /"retry.maxRetryAfter"/],
    [{ fetchTokens, retry: { factor: 0.5 } }, /"retry.factor"/],
    [{ fetchTokens, retry: { randomize: 'yes' } }, /"retry.randomize"/],
    [{ fetchTokens, retry: true }, /"retry" must be false or an object, got true/],
    [{ fetchTokens, retry: { retires: 3 } }, /retry: unknown option "retires" — did you mean "retries"\?/],
    [{ fetchTokens, storage: 'localStorage' }, /"storage" must be a TokenStorage, got string/],
    [{ fetchTokens, clock: 0 }, /"clock" must be a function/],
    [
      { fetchTokens, refreshInBackground: true },
      /"refreshInBackground" must be a function, got true: pass backgroundRefresh\(\)/,
    ],
    [{ fetchTokens, retryTimeouts: 'no' }, /"retryTimeouts" must be a boolean/],
    [{ fetchTokens, key: '' }, /"key" must be a non-empty string, got string/],
    [{ fetchTokens, tokenTypes: 'DPoP' }, /"tokenTypes" must be a non-empty array/],
    [{ fetchTokens, tokenTypes: [] }, /"tokenTypes"/],
    [{ fetchTokens, lock: () => {} }, /"lock" must be a RefreshLock, got function/],
  ])('refuses %j with a TypeError naming the option', (options, message) => {
    expect(() => create(options)).toThrow(TypeError);
    expect(() => create(options)).toThrow(message);
  });

  it('names the nearest option for an unknown key (plain JS typos)', () => {
    expect(() => create({ fetchTokens, refreshMagin: 1 })).toThrow(
      'new TokenManager(options): unknown option "refreshMagin" — did you mean "refreshMargin"?',
    );
    expect(() => create({ fetchTokens, Timeout: 1 })).toThrow(/did you mean "timeout"\?/);
    expect(() => create({ fetchTokens, backgroundRefresh: () => {} })).toThrow(
      /unknown option "backgroundRefresh"/,
    );
    expect(() => create({ fetchTokens, zzzzzz: 1 })).toThrow(/known options: fetchTokens, storage/);
  });

  it('never shows a misplaced string value, only its type', () => {
    let message = '';
    try {
      create({ fetchTokens, key: 'k', clock: 'client-secret-value' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/got string/);
    expect(message).not.toContain('client-secret-value');
  });

  // Each is an object, as the option's type asks, and each failed only when first used: a lock at the
  // first refresh (a raw "run is not a function"), a storage on every call as `storage_error` events,
  // while the tokens were kept in memory only.
  it.each([
    [
      'a Redis client as lock',
      { lock: { get() {}, set() {}, del() {} } },
      /"lock" must be a RefreshLock, got object$/,
    ],
    ['an empty object as lock', { lock: {} }, /"lock" must be a RefreshLock, got object$/],
    ['a storage as lock', { lock: { get() {}, set() {}, remove() {} } }, /"lock" must be a RefreshLock/],
    [
      'localStorage as storage',
      { storage: { getItem() {}, setItem() {}, removeItem() {} } },
      /"storage" must be a TokenStorage, got object$/,
    ],
    [
      'a Redis client as storage',
      { storage: { get() {}, set() {}, del() {} } },
      /"storage" must be a TokenStorage/,
    ],
    ['an empty object as storage', { storage: {} }, /"storage" must be a TokenStorage/],
    ['null as storage', { storage: null }, /"storage" must be a TokenStorage, got null/],
  ])('refuses %s with a TypeError at construction, before any token request', (_, options, message) => {
    let requests = 0;
    const counting = async () => {
      requests += 1;
      return { access_token: 'a' };
    };
    expect(() => create({ fetchTokens: counting, ...options })).toThrow(TypeError);
    expect(() => create({ fetchTokens: counting, ...options })).toThrow(message);
    expect(requests).toBe(0);
  });

  // Each failed silently: NaN (and `Date` itself, which returns a string) sent a token request per
  // call; `() => new Date()` and a numeric string made every token never expire.
  it.each([
    ['NaN', () => Number.NaN, 'NaN'],
    ['Date itself (a string)', Date, 'string'],
    ['a Date', () => new Date(), 'object'],
    ['a numeric string', () => '1700000000000', 'string'],
    ['Infinity', () => Number.POSITIVE_INFINITY, 'Infinity'],
    ['a negative number', () => -1, '-1'],
    // `clock: () => { Date.now(); }` (no return) sent a token request per call.
    ['undefined', () => undefined, 'undefined'],
  ])(
    'refuses a clock returning %s with a TypeError at construction, before any token request',
    (_, clock, got) => {
      let requests = 0;
      const counting = async () => {
        requests += 1;
        return { access_token: 'a', expires_in: 60 };
      };
      expect(() => create({ fetchTokens: counting, clock })).toThrow(TypeError);
      expect(() => create({ fetchTokens: counting, clock })).toThrow(
        `new TokenManager(options): "clock()" must be a number of milliseconds ≥ 0, got ${got}: e.g. Date.now`,
      );
      expect(requests).toBe(0);
    },
  );

  // Before: NaN sent a token request per call, and every set it brought (or `setTokens()` stored)
  // never expired, so it was served until a 401 once the clock came back.
  it.each([
    ['NaN', Number.NaN, 'NaN'],
    ['a Date', new Date(1_700_000_100_000), 'object'],
    ['Infinity', Number.POSITIVE_INFINITY, 'Infinity'],
    ['undefined', undefined, 'undefined'],
  ])(
    'rejects 500 concurrent callers with a TypeError and sends no token request once the clock returns %s',
    async (_, bad, got) => {
      let now: unknown = 1_700_000_000_000;
      let requests = 0;
      const tokens = create({
        fetchTokens: async () => {
          requests += 1;
          return { access_token: `at-${requests}`, refresh_token: 'rt', expires_in: 60 };
        },
        clock: () => now,
        retry: false,
      });
      expect(await tokens.getAccessToken()).toBe('at-1');
      now = bad;
      // Said where it was read, not as if the options were wrong at construction.
      const message = `"clock()" must be a number of milliseconds ≥ 0, got ${got}: e.g. Date.now`;
      const results = await Promise.allSettled(Array.from({ length: 500 }, () => tokens.getAccessToken()));
      for (const result of results) {
        expect(result.status).toBe('rejected');
        expect((result as PromiseRejectedResult).reason).toBeInstanceOf(TypeError);
        expect((result as PromiseRejectedResult).reason.message).toBe(`token request: ${message}`);
      }
      for (let call = 0; call < 3; call += 1) {
        await expect(tokens.getAccessToken()).rejects.toThrow(`token request: ${message}`);
      }
      const set = tokens.setTokens({ access_token: 'at-set', expires_in: 60 });
      await expect(set).rejects.toThrow(new TypeError(`setTokens(): ${message}`));
      expect(requests).toBe(1);
      // The clock is back: the set it had is served until it is due, then refreshed as usual.
      now = 1_700_000_010_000;
      expect(await tokens.getAccessToken()).toBe('at-1');
      now = 1_700_000_060_000;
      expect(await tokens.getAccessToken()).toBe('at-2');
      expect(requests).toBe(2);
      tokens.dispose();
    },
  );

  it('accepts a lock and a storage that have the methods the manager calls, own or inherited', () => {
    class Lock {
      run<T>(_name: string, task: () => Promise<T>): Promise<T> {
        return task();
      }
    }
    const storage = { get: () => undefined, set: async () => {}, remove: () => {} };
    expect(() => create({ fetchTokens, lock: new Lock(), storage }).dispose()).not.toThrow();
  });

  it('accepts every valid option, Infinity as timeout and undefined for any optional one', () => {
    expect(() =>
      create({
        fetchTokens,
        timeout: Number.POSITIVE_INFINITY,
        refreshMargin: 0,
        rejectionCooldown: 0,
        retry: { retries: 0, factor: 1, minTimeout: 0, maxTimeout: 0, randomize: false, maxRetryAfter: 0 },
        retryTimeouts: true,
        tokenTypes: ['DPoP', 'Bearer'],
        key: 'orders-api',
        storage: undefined,
        lock: undefined,
      }).dispose(),
    ).not.toThrow();
    expect(() => create({ fetchTokens, retry: false }).dispose()).not.toThrow();
  });
});
