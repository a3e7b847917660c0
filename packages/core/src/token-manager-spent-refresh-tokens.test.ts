import { createAuthServer, createTestClock, failUnhandledRequest } from '@tessera/testing';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TokenEvent } from './events.js';
import { refreshTokenGrant } from './grants/refresh-token-grant.js';
import type { TokenStorage } from './storage/token-storage.js';
import { TokenManager } from './token-manager.js';
import type { TokenSet } from './token-set.js';

const start = Date.parse('2026-01-01T00:00:00Z');
const clock = createTestClock(start);
// Rotating refresh tokens with reuse detection (the kit's default): a rotated one revokes the family.
const auth = createAuthServer({ clock: clock.now, accessTokenLifetime: 300_000 });
const msw = setupServer(...auth.handlers);
beforeAll(() => msw.listen({ onUnhandledRequest: failUnhandledRequest }));
afterAll(() => msw.close());

const managers: TokenManager[] = [];
afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
  auth.reset();
  clock.set(start);
});

/** A storage whose next `failures` writes throw (a full `localStorage`, a store that is down). */
function failingStorage() {
  let value: TokenSet | undefined;
  let failures = 0;
  const storage = {
    get: vi.fn(() => value),
    set: vi.fn((tokens: TokenSet) => {
      if (failures === 0) {
        value = tokens;
        return;
      }
      failures -= 1;
      throw new Error('QuotaExceededError');
    }),
    remove: vi.fn(() => {
      value = undefined;
    }),
  } satisfies TokenStorage;
  return { storage, stored: () => value, failNext: (count: number) => (failures += count) };
}

async function signedIn(storage: TokenStorage) {
  const tokens = new TokenManager({
    fetchTokens: refreshTokenGrant({ tokenUrl: auth.tokenUrl, clientId: 'web' }),
    storage,
    clock: clock.now,
    retry: false,
  });
  managers.push(tokens);
  const events: TokenEvent['type'][] = [];
  tokens.subscribe((event) => events.push(event.type));
  const first = await tokens.setTokens(await auth.issueTokens());
  return { tokens, events, first };
}

describe('refresh tokens this manager rotated away, when writes keep failing', () => {
  it.each([
    ['still fresh', 0],
    ['due', 300_000],
  ])(
    'a stored set %s from two or more failed writes ago is neither adopted nor refreshed',
    async (_, later) => {
      const failing = failingStorage();
      const { tokens, events, first } = await signedIn(failing.storage);
      failing.failNext(3);
      const second = await tokens.getAccessToken({ forceRefresh: true });
      const third = await tokens.getAccessToken({ forceRefresh: true });
      expect(failing.stored()).toEqual(first); // neither write landed
      clock.advance(later);

      // Storage still holds the first set, whose refresh token was rotated away two refreshes ago.
      const callers = await Promise.all(
        Array.from({ length: 200 }, () => tokens.getAccessToken({ forceRefresh: later === 0 })),
      );

      expect(new Set(callers).size).toBe(1);
      expect([first.accessToken, second, third]).not.toContain(callers[0]);
      expect(auth.tokenRequests.map(({ grantType, status, error }) => [grantType, status, error])).toEqual([
        ['refresh_token', 200, undefined],
        ['refresh_token', 200, undefined],
        ['refresh_token', 200, undefined],
      ]);
      expect(tokens.peekTokens()?.accessToken).toBe(callers[0]);
      expect(events.filter((type) => type !== 'storage_error')).toEqual([
        'tokens_set',
        'refreshed',
        'refreshed',
        'refreshed',
      ]);
    },
  );

  it('after ten refreshes that stored their sets, still recognises the set storage last held through ten failed writes', async () => {
    const failing = failingStorage();
    const { tokens } = await signedIn(failing.storage);
    for (let refresh = 0; refresh < 10; refresh += 1) await tokens.getAccessToken({ forceRefresh: true });
    const landed = failing.stored();
    failing.failNext(11);
    for (let refresh = 0; refresh < 10; refresh += 1) await tokens.getAccessToken({ forceRefresh: true });
    expect(failing.stored()).toEqual(landed);
    clock.advance(300_000);

    const last = await tokens.getAccessToken();

    expect(auth.tokenRequests.map(({ status }) => status)).toEqual(Array(21).fill(200));
    expect(tokens.peekTokens()?.accessToken).toBe(last);
  });

  it('once a write lands again, storage holds the newest set and a reload refreshes with it', async () => {
    const failing = failingStorage();
    const { tokens } = await signedIn(failing.storage);
    failing.failNext(2);
    await tokens.getAccessToken({ forceRefresh: true });
    await tokens.getAccessToken({ forceRefresh: true });
    const landed = await tokens.getAccessToken({ forceRefresh: true });
    expect(failing.stored()?.accessToken).toBe(landed);
    clock.advance(300_000);

    const reloaded = new TokenManager({
      fetchTokens: refreshTokenGrant({ tokenUrl: auth.tokenUrl, clientId: 'web' }),
      storage: failing.storage,
      clock: clock.now,
    });
    managers.push(reloaded);
    await reloaded.getAccessToken();

    expect(auth.tokenRequests.map(({ status }) => status)).toEqual([200, 200, 200, 200]);
  });
});
