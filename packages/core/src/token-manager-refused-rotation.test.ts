import { inspect } from 'node:util';
import { createTestClock, failUnhandledRequest } from '@tessera/testing';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MalformedResponseError } from './errors/malformed-response-error.js';
import type { TokenEvent } from './events.js';
import { refreshTokenGrant } from './grants/refresh-token-grant.js';
import { memoryStorage } from './storage/memory-storage.js';
import type { TokenStorage } from './storage/token-storage.js';
import { TokenManager } from './token-manager.js';

const TOKEN_URL = 'https://auth.example.test/token';
const start = Date.parse('2026-01-01T00:00:00Z');
const clock = createTestClock(start);

/**
 * A rotating server with reuse detection: each refresh token works once. Its first answer is a 2xx with a
 * new refresh token but no access token (a server hiccup); every later one is a whole set.
 */
let valid: Set<string>;
let sent: string[];
const msw = setupServer(
  http.post(TOKEN_URL, async ({ request }) => {
    const refreshToken = new URLSearchParams(await request.text()).get('refresh_token') ?? '';
    sent.push(refreshToken);
    if (!valid.delete(refreshToken)) return HttpResponse.json({ error: 'invalid_grant' }, { status: 400 });
    const next = `rt-${sent.length}`;
    valid.add(next);
    return HttpResponse.json(
      sent.length === 1
        ? { refresh_token: next, token_type: 'Bearer' }
        : { access_token: `at-${sent.length}`, refresh_token: next, token_type: 'Bearer', expires_in: 300 },
    );
  }),
);
beforeAll(() => msw.listen({ onUnhandledRequest: failUnhandledRequest }));
afterAll(() => msw.close());

const managers: TokenManager[] = [];
afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
  clock.set(start);
});

async function signedIn(storage: TokenStorage, expiresIn: number) {
  valid = new Set(['rt-0']);
  sent = [];
  const tokens = new TokenManager({
    fetchTokens: refreshTokenGrant({ tokenUrl: TOKEN_URL, clientId: 'web' }),
    storage,
    clock: clock.now,
    retry: false,
  });
  managers.push(tokens);
  await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt-0', expires_in: expiresIn });
  const events: TokenEvent[] = [];
  tokens.subscribe((event) => events.push(event));
  return { tokens, events };
}

describe('a refresh answered 2xx with a rotated refresh token but no access token', () => {
  it('is refused, and the next refresh sends the rotated refresh token: the session survives', async () => {
    const storage = memoryStorage();
    const { tokens, events } = await signedIn(storage, 60);
    const before = tokens.peekTokens();
    clock.advance(60_000);

    const error = await tokens.getAccessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error).toMatchObject({ reason: 'missing_access_token' });
    expect(events.map((event) => event.type)).toEqual(['refresh_failed']);
    // The old access token with its expiry, the rotated refresh token: in memory and in storage.
    const kept = { ...before, refreshToken: 'rt-1' };
    expect(tokens.peekTokens()).toEqual(kept);
    expect(await storage.get()).toEqual(kept);
    expect(tokens.freshTokens()).toBeUndefined();

    expect(await tokens.getAccessToken()).toBe('at-2');
    expect(sent).toEqual(['rt-0', 'rt-1']);
    expect(events.map((event) => event.type)).toEqual(['refresh_failed', 'refreshed']);
    expect(await storage.get()).toMatchObject({ accessToken: 'at-2', refreshToken: 'rt-2' });
    // Neither the error nor any event quotes the refresh token that arrived.
    for (const value of [error, ...events.filter((event) => event.type === 'refresh_failed')]) {
      expect(inspect(value, { depth: 20, showHidden: true })).not.toContain('rt-1');
      expect(JSON.stringify(value)).not.toContain('rt-1');
    }
  });

  it('after an invalidation: the rejected access token is not served again', async () => {
    const { tokens, events } = await signedIn(memoryStorage(), 300);
    expect(tokens.invalidate('at-0')).toBe(true);

    await expect(tokens.getAccessToken()).rejects.toBeInstanceOf(MalformedResponseError);
    expect(tokens.freshTokens()).toBeUndefined();
    expect(tokens.peekTokens()).toMatchObject({ accessToken: 'at-0', refreshToken: 'rt-1' });

    expect(await tokens.getAccessToken()).toBe('at-2');
    expect(sent).toEqual(['rt-0', 'rt-1']);
    expect(events.map((event) => event.type)).toEqual(['invalidated', 'refresh_failed', 'refreshed']);
  });

  it('refreshing a set another manager stored: that set is kept, with its access token and expiry', async () => {
    const storage = memoryStorage();
    const { tokens, events } = await signedIn(storage, 60);
    // Another manager on this storage refreshed meanwhile and stored its set (unheard: a plain storage).
    const theirs = {
      accessToken: 'at-x',
      refreshToken: 'rt-x',
      tokenType: 'Bearer',
      expiresAt: start + 30_000,
    };
    await storage.set(theirs);
    valid = new Set(['rt-x']);
    clock.advance(60_000);

    await expect(tokens.getAccessToken()).rejects.toMatchObject({ reason: 'missing_access_token' });
    expect(tokens.peekTokens()).toEqual({ ...theirs, refreshToken: 'rt-1' });
    expect(await storage.get()).toEqual({ ...theirs, refreshToken: 'rt-1' });
    expect(tokens.freshTokens()).toBeUndefined();

    expect(await tokens.getAccessToken()).toBe('at-2');
    expect(sent).toEqual(['rt-x', 'rt-1']);
    expect(events.map((event) => event.type)).toEqual(['refresh_failed', 'refreshed']);
  });

  it('without a refresh token in the answer: refused, the set and storage as they were', async () => {
    const storage = memoryStorage();
    const { tokens } = await signedIn(storage, 60);
    msw.use(http.post(TOKEN_URL, () => HttpResponse.json({ token_type: 'Bearer' }), { once: true }));
    const before = tokens.peekTokens();
    clock.advance(60_000);

    await expect(tokens.getAccessToken()).rejects.toMatchObject({ reason: 'missing_access_token' });
    expect(tokens.peekTokens()).toBe(before);
    expect(await storage.get()).toEqual(before);
  });
});

describe('every refused 2xx refresh answer that rotated the refresh token keeps it (decision 0013)', () => {
  // Each is refused, by `requestToken` or by the manager; each carries the rotated `rt-1`.
  it.each([
    ['a token_type not in tokenTypes', { access_token: 'at-1', token_type: 'MAC' }, 'invalid_field'],
    [
      'a token_type that is not an auth-scheme',
      { access_token: 'at-1', token_type: 'Bear er' },
      'invalid_field',
    ],
    ['an expires_in that is not a number', { access_token: 'at-1', expires_in: 'soon' }, 'invalid_field'],
    ['a negative expires_in', { access_token: 'at-1', expires_in: -1 }, 'invalid_field'],
    ['an access token that is not a string', { access_token: 42 }, 'missing_access_token'],
    ['an access token not sendable in a header', { access_token: 'at-1\n' }, 'invalid_field'],
  ])('%s: refused, and the next refresh sends the rotated refresh token', async (_, refused, reason) => {
    const storage = memoryStorage();
    const { tokens, events } = await signedIn(storage, 60);
    msw.use(
      http.post(
        TOKEN_URL,
        async ({ request }) => {
          const refreshToken = new URLSearchParams(await request.text()).get('refresh_token') ?? '';
          sent.push(refreshToken);
          valid.delete(refreshToken);
          valid.add('rt-1');
          return HttpResponse.json({ ...refused, refresh_token: 'rt-1' });
        },
        { once: true },
      ),
    );
    const before = tokens.peekTokens();
    clock.advance(60_000);

    const error = await tokens.getAccessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error).toMatchObject({ reason });
    expect(tokens.peekTokens()).toEqual({ ...before, refreshToken: 'rt-1' });
    expect(await storage.get()).toEqual({ ...before, refreshToken: 'rt-1' });
    expect(tokens.freshTokens()).toBeUndefined();

    expect(await tokens.getAccessToken()).toBe('at-2');
    expect(sent).toEqual(['rt-0', 'rt-1']);
    expect(events.map((event) => event.type)).toEqual(['refresh_failed', 'refreshed']);
    for (const value of [error, events[0]]) {
      expect(inspect(value, { depth: 20, showHidden: true })).not.toContain('rt-1');
    }
  });

  it('a custom fetchTokens returning such a body: the rotated refresh token is kept too', async () => {
    const sentHere: (string | undefined)[] = [];
    const tokens = new TokenManager({
      fetchTokens: async ({ refreshToken }) => {
        sentHere.push(refreshToken);
        return sentHere.length === 1
          ? { access_token: 'at-1', token_type: 'MAC', refresh_token: 'rt-1' }
          : { access_token: 'at-2', refresh_token: 'rt-2', expires_in: 300 };
      },
      clock: clock.now,
      retry: false,
    });
    managers.push(tokens);
    await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt-0', expires_in: 300 });
    await expect(tokens.getAccessToken({ forceRefresh: true })).rejects.toMatchObject({
      reason: 'invalid_field',
    });
    expect(tokens.peekTokens()).toMatchObject({ accessToken: 'at-0', refreshToken: 'rt-1' });
    expect(await tokens.getAccessToken({ forceRefresh: true })).toBe('at-2');
    expect(sentHere).toEqual(['rt-0', 'rt-1']);
  });
});
