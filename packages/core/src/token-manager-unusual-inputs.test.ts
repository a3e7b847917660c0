import { afterEach, describe, expect, it, vi } from 'vitest';
import { isTesseraError } from './errors/guards.js';
import { MalformedResponseError } from './errors/malformed-response-error.js';
import { TimeoutError } from './errors/timeout-error.js';
import type { TokenEvent } from './events.js';
import { TokenManager } from './token-manager.js';

const fetchTokens = async () => ({ access_token: 'fetched', expires_in: 600 });
const managers: TokenManager[] = [];
afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
  vi.useRealTimers();
});
function keep(created: TokenManager): TokenManager {
  managers.push(created);
  return created;
}

describe('options of unusual shapes', () => {
  class Options {
    fetchTokens = fetchTokens;
    timeout = 5_000;
  }
  it.each([
    ['a Proxy', () => new Proxy({ fetchTokens, timeout: 5_000 }, {})],
    ['a null-prototype object', () => Object.assign(Object.create(null), { fetchTokens, timeout: 5_000 })],
    [
      'a frozen object',
      () => Object.freeze({ fetchTokens, timeout: 5_000, retry: Object.freeze({ retries: 1 }) }),
    ],
    ['a class instance', () => new Options()],
  ])('accepts %s and uses it', async (_, options) => {
    const tokens = keep(new TokenManager(options()));
    expect(await tokens.getAccessToken()).toBe('fetched');
  });
});

describe('token sets of unusual shapes', () => {
  it.each([
    ['a Date', new Date(2_000_000_000_000)],
    ['a date string', '2033-05-18T03:33:20Z'],
  ])(
    'refuses expiresAt as %s with MalformedResponseError that never quotes the token',
    async (_, expiresAt) => {
      const tokens = keep(new TokenManager({ fetchTokens }));
      const error = await tokens
        .setTokens({ accessToken: 'secret-at', tokenType: 'Bearer', expiresAt } as never)
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(MalformedResponseError);
      expect(String((error as Error).message)).not.toContain('secret-at');
      expect(tokens.peekTokens()).toBeUndefined();
    },
  );

  it('reads a stored set parsed from JSON with a __proto__ key without taking a refresh token from it', async () => {
    const stored = JSON.parse(
      '{"accessToken":"at","tokenType":"Bearer","__proto__":{"refreshToken":"rt-planted","tokenType":"DPoP"}}',
    );
    const tokens = keep(
      new TokenManager({ fetchTokens, storage: { get: () => stored, set() {}, remove() {} } }),
    );
    expect(await tokens.ready()).toEqual({
      accessToken: 'at',
      tokenType: 'Bearer',
      expiresAt: undefined,
      refreshToken: undefined,
      scope: undefined,
      idToken: undefined,
      issuedAt: undefined,
    });
    expect(({} as { refreshToken?: string }).refreshToken).toBeUndefined();
  });

  it('counts a storage get() answering a thenable that never settles as empty after timeout, no timer left', async () => {
    vi.useFakeTimers();
    const events: TokenEvent[] = [];
    const tokens = keep(
      new TokenManager({
        fetchTokens,
        timeout: 1_000,
        // biome-ignore lint/suspicious/noThenProperty: the storage answers a thenable that never settles, on purpose.
        storage: { get: () => ({ then() {} }) as never, set() {}, remove() {} },
      }),
    );
    tokens.subscribe((event) => events.push(event));
    const ready = tokens.ready();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await ready).toBeUndefined();
    expect(events.map((event) => event.type)).toEqual(['storage_error', 'loaded']);
    const error = (events[0] as { error: unknown }).error;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(isTesseraError(error, 'TIMEOUT')).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});
