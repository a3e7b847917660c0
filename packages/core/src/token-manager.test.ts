import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deferred } from '../../e2e-support/test-support/deferred.js';
import { fakeLockManager } from '../test/fixtures/fake-lock-manager.js';
import { backgroundRefresh } from './background-refresh.js';
import { webLocksLock } from './cross-tab/web-locks-lock.js';
import { AbortError } from './errors/abort-error.js';
import { DisposedError } from './errors/disposed-error.js';
import { LoginRequiredError } from './errors/login-required-error.js';
import { MalformedResponseError } from './errors/malformed-response-error.js';
import { OAuthError } from './errors/oauth-error.js';
import type { TokenEvent } from './events.js';
import type { RefreshLock } from './refresh-lock.js';
import { memoryStorage } from './storage/memory-storage.js';
import type { TokenStorage } from './storage/token-storage.js';
import { TokenManager } from './token-manager.js';
import type { FetchTokens, FetchTokensContext } from './token-manager-options.js';
import type { TokenResponse } from './token-set.js';

/** A controllable clock: tests move time, nothing sleeps. */
function testClock(start = 1_700_000_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** A fetchTokens that answers `at-1`, `at-2`… with a rotating refresh token, and records each call. */
function countingFetch(options: { expiresIn?: number | string; rotate?: boolean } = {}) {
  const calls: FetchTokensContext[] = [];
  const fetchTokens = vi.fn<FetchTokens>(async (context) => {
    calls.push(context);
    const n = calls.length;
    const response: TokenResponse = { access_token: `at-${n}`, token_type: 'Bearer' };
    if (options.expiresIn !== undefined) response.expires_in = options.expiresIn;
    if (options.rotate) response.refresh_token = `rt-${n}`;
    return response;
  });
  return { fetchTokens, calls };
}

/** A fetchTokens that holds every request on `gate`; `requested` settles when the first one starts. */
function heldFetch() {
  const gate = deferred<TokenResponse>();
  const requested = deferred<void>();
  const fetchTokens = vi.fn<FetchTokens>(() => {
    requested.resolve();
    return gate.promise;
  });
  return { fetchTokens, gate, requested: requested.promise };
}

function invalidGrant(): OAuthError {
  return new OAuthError(
    { error: 'invalid_grant', errorDescription: 'Refresh token revoked', status: 400 },
    'test',
  );
}

function jwtWith(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.signature`;
}

const managers: TokenManager[] = [];
function manager(options: ConstructorParameters<typeof TokenManager>[0]): TokenManager {
  const created = new TokenManager({ retry: false, ...options });
  managers.push(created);
  return created;
}

/** Storage holding something that is not a token set. */
function garbageStorage(): TokenStorage {
  return { get: () => '<html>not a token</html>', set: vi.fn(), remove: vi.fn() };
}

afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
  vi.useRealTimers();
});

describe('single flight', () => {
  it('keeps one flight when setTokens or another tab replaces the set while a refresh is in flight (Okta renewPromise reset)', async () => {
    const clock = testClock();
    let publish: (value: unknown) => void = () => {};
    const storage: TokenStorage = {
      ...memoryStorage(),
      subscribe: (onChange) => {
        publish = onChange;
        return () => {};
      },
    };
    const { fetchTokens, gate } = heldFetch();
    const tokens = manager({ fetchTokens, storage, clock: clock.now });
    const expired = (accessToken: string) => ({
      accessToken,
      tokenType: 'Bearer',
      expiresAt: clock.now() - 1,
    });

    let pending = 0;
    let overlapped = false;
    fetchTokens.mockImplementation(async () => {
      overlapped ||= pending > 0;
      pending += 1;
      try {
        return await gate.promise;
      } finally {
        pending -= 1;
      }
    });

    const callers = [tokens.getAccessToken()];
    await vi.waitFor(() => expect(fetchTokens).toHaveBeenCalledTimes(1));
    await tokens.setTokens(expired('set-meanwhile'));
    callers.push(...Array.from({ length: 100 }, () => tokens.getAccessToken()));
    publish(expired('published-meanwhile'));
    callers.push(...Array.from({ length: 100 }, () => tokens.getAccessToken()));
    gate.resolve({ access_token: 'fresh', expires_in: 3600 });
    const outcomes = await Promise.all(callers);

    // The set was replaced mid-flight by one that is already expired: once the first request is
    // answered, one refresh of that set follows (decision 0001), never two requests at once.
    expect(fetchTokens).toHaveBeenCalledTimes(2);
    expect(overlapped).toBe(false);
    expect(new Set(outcomes)).toEqual(new Set(['fresh']));
  });

  it('sends one token request for 1,000 concurrent callers and gives them all the same token', async () => {
    const gate = deferred<TokenResponse>();
    const fetchTokens = vi.fn<FetchTokens>(() => gate.promise);
    const tokens = manager({ fetchTokens });

    const callers = Array.from({ length: 1000 }, () => tokens.getAccessToken());
    await Promise.resolve();
    gate.resolve({ access_token: 'shared', expires_in: 3600 });

    const results = await Promise.all(callers);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(new Set(results)).toEqual(new Set(['shared']));
  });

  it('rejects every waiter with the same error and does not cache the failure', async () => {
    const failure = new Error('boom');
    const fetchTokens = vi
      .fn<FetchTokens>()
      .mockRejectedValueOnce(failure)
      .mockResolvedValueOnce({ access_token: 'second', expires_in: 60 });
    const tokens = manager({ fetchTokens });

    const results = await Promise.allSettled(Array.from({ length: 500 }, () => tokens.getAccessToken()));
    expect(results.every((r) => r.status === 'rejected' && r.reason === failure)).toBe(true);
    expect(fetchTokens).toHaveBeenCalledTimes(1);

    await expect(tokens.getAccessToken()).resolves.toBe('second');
    expect(fetchTokens).toHaveBeenCalledTimes(2);
  });

  it('serves cached tokens without another request while they are valid', async () => {
    const { fetchTokens } = countingFetch({ expiresIn: 3600 });
    const tokens = manager({ fetchTokens });
    for (let i = 0; i < 100; i++) expect(await tokens.getAccessToken()).toBe('at-1');
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('joins a refresh in flight when forceRefresh is asked during it', async () => {
    const gate = deferred<TokenResponse>();
    const fetchTokens = vi.fn<FetchTokens>(() => gate.promise);
    const tokens = manager({ fetchTokens });
    const first = tokens.getAccessToken();
    const forced = tokens.getAccessToken({ forceRefresh: true });
    gate.resolve({ access_token: 'one' });
    expect(await Promise.all([first, forced])).toEqual(['one', 'one']);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('starts a new request when forced after the previous one finished', async () => {
    const { fetchTokens } = countingFetch({ expiresIn: 3600 });
    const tokens = manager({ fetchTokens });
    expect(await tokens.getAccessToken()).toBe('at-1');
    expect(await tokens.getAccessToken({ forceRefresh: true })).toBe('at-2');
  });
});

describe('expiry', () => {
  it('counts expires_in from when the request was sent, not when it answered', async () => {
    const clock = testClock();
    const fetchTokens = vi.fn<FetchTokens>(async () => {
      clock.advance(5_000); // a slow token endpoint
      return { access_token: 'slow', expires_in: 100 };
    });
    const tokens = manager({ fetchTokens, clock: clock.now, refreshMargin: 0 });
    const sentAt = clock.now();
    const set = await tokens.getTokens();
    expect(set.expiresAt).toBe(sentAt + 100_000);
  });

  it('accepts expires_in sent as a string', async () => {
    const clock = testClock();
    const tokens = manager({
      fetchTokens: async () => ({ access_token: 'a', expires_in: '120' }),
      clock: clock.now,
    });
    expect((await tokens.getTokens()).expiresAt).toBe(clock.now() + 120_000);
  });

  it('takes the expiry from the JWT exp claim when there is no expires_in', async () => {
    const clock = testClock();
    const exp = Math.floor(clock.now() / 1000) + 600;
    const tokens = manager({
      fetchTokens: async () => ({ access_token: jwtWith({ exp }) }),
      clock: clock.now,
    });
    expect((await tokens.getTokens()).expiresAt).toBe(exp * 1000);
  });

  it('keeps a token with neither expires_in nor exp until it is invalidated', async () => {
    const clock = testClock();
    const { fetchTokens } = countingFetch();
    const tokens = manager({ fetchTokens, clock: clock.now });
    expect(await tokens.getAccessToken()).toBe('at-1');
    clock.advance(365 * 24 * 3600_000);
    expect(await tokens.getAccessToken()).toBe('at-1');
    tokens.invalidate('at-1');
    expect(await tokens.getAccessToken()).toBe('at-2');
  });

  it.each([
    ['expires_in', { access_token: 'huge', expires_in: 1e306 }],
    ['expires_in of 400 digits', { access_token: 'huge', expires_in: `9${'9'.repeat(399)}` }],
    ['JWT exp', { access_token: jwtWith({ exp: 1e306 }) }],
  ])(
    'keeps a set whose %s is too large for a number as never expiring, also after a reload',
    async (_, response) => {
      const storage = memoryStorage();
      const tokens = manager({ fetchTokens: async () => response, storage });
      const set = await tokens.getTokens();
      expect(set.expiresAt).toBeUndefined();
      const events: TokenEvent[] = [];
      const reloaded = manager({ fetchTokens: countingFetch().fetchTokens, storage });
      reloaded.subscribe((event) => events.push(event));
      expect(await reloaded.getAccessToken()).toBe(set.accessToken);
      expect(events.map((event) => event.type)).toEqual(['loaded']);
    },
  );

  it('refreshes once less than the refresh margin remains', async () => {
    const clock = testClock();
    const { fetchTokens } = countingFetch({ expiresIn: 3600 });
    const tokens = manager({ fetchTokens, clock: clock.now, refreshMargin: 60_000 });
    await tokens.getAccessToken();
    clock.advance(3600_000 - 60_001);
    expect(await tokens.getAccessToken()).toBe('at-1');
    clock.advance(2);
    expect(await tokens.getAccessToken()).toBe('at-2');
  });

  it('caps the margin at half the lifetime so short-lived tokens are not refreshed on every call', async () => {
    const clock = testClock();
    const { fetchTokens } = countingFetch({ expiresIn: 20 });
    const tokens = manager({ fetchTokens, clock: clock.now, refreshMargin: 30_000 });
    await tokens.getAccessToken();
    clock.advance(9_999);
    expect(await tokens.getAccessToken()).toBe('at-1');
    clock.advance(1);
    expect(await tokens.getAccessToken()).toBe('at-2');
    expect(fetchTokens).toHaveBeenCalledTimes(2);
  });

  it('rejects a malformed token response with MalformedResponseError and stores nothing', async () => {
    const storage = memoryStorage();
    const tokens = manager({ fetchTokens: async () => ({ token: 'x' }) as never, storage });
    const error = await tokens.getAccessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect((error as MalformedResponseError).reason).toBe('missing_access_token');
    expect(storage.get()).toBeUndefined();
  });
});

describe('refresh tokens', () => {
  it('hands the current refresh token to fetchTokens and keeps it when the response has none', async () => {
    const fetchTokens = vi
      .fn<FetchTokens>()
      .mockResolvedValueOnce({ access_token: 'a1', refresh_token: 'r1', expires_in: 60 })
      .mockResolvedValueOnce({ access_token: 'a2', expires_in: 60 })
      .mockResolvedValueOnce({ access_token: 'a3', expires_in: 60 });
    const tokens = manager({ fetchTokens });
    await tokens.getAccessToken();
    await tokens.getAccessToken({ forceRefresh: true });
    expect(fetchTokens.mock.calls[1]?.[0].refreshToken).toBe('r1');
    expect((await tokens.getTokens()).refreshToken).toBe('r1');
    await tokens.getAccessToken({ forceRefresh: true });
    expect(fetchTokens.mock.calls[2]?.[0].refreshToken).toBe('r1');
  });

  it('replaces the refresh token when the response rotates it', async () => {
    const { fetchTokens, calls } = countingFetch({ rotate: true });
    const tokens = manager({ fetchTokens });
    await tokens.setTokens({ access_token: 'signed-in', refresh_token: 'rt-0' });
    await tokens.getAccessToken({ forceRefresh: true });
    await tokens.getAccessToken({ forceRefresh: true });
    expect(calls.map((c) => c.refreshToken)).toEqual(['rt-0', 'rt-1']);
    expect(tokens.peekTokens()?.refreshToken).toBe('rt-2');
  });
});

describe('compare-and-invalidate', () => {
  it('invalidates only the current token', async () => {
    const { fetchTokens } = countingFetch({ expiresIn: 3600 });
    const tokens = manager({ fetchTokens });
    await tokens.getAccessToken();
    expect(tokens.invalidate('not-current')).toBe(false);
    expect(await tokens.getAccessToken()).toBe('at-1');
    expect(tokens.invalidate('at-1')).toBe(true);
    expect(await tokens.getAccessToken()).toBe('at-2');
  });

  it('never refreshes twice for 300 late 401s carrying a token that was already replaced', async () => {
    const { fetchTokens } = countingFetch({ expiresIn: 3600 });
    const tokens = manager({ fetchTokens });
    const stale = await tokens.getAccessToken();
    tokens.invalidate(stale);
    const fresh = await tokens.getAccessToken();
    for (let i = 0; i < 300; i++) tokens.invalidate(stale);
    const results = await Promise.all(Array.from({ length: 300 }, () => tokens.getAccessToken()));
    expect(new Set(results)).toEqual(new Set([fresh]));
    expect(fetchTokens).toHaveBeenCalledTimes(2);
  });

  it('refreshes once when 500 callers invalidate the same token at once', async () => {
    const { fetchTokens } = countingFetch({ expiresIn: 3600 });
    const tokens = manager({ fetchTokens });
    const stale = await tokens.getAccessToken();
    const results = await Promise.all(
      Array.from({ length: 500 }, () => {
        tokens.invalidate(stale);
        return tokens.getAccessToken();
      }),
    );
    expect(new Set(results)).toEqual(new Set(['at-2']));
    expect(fetchTokens).toHaveBeenCalledTimes(2);
  });
});

describe('session end', () => {
  it('clears stored tokens and emits session_expired once when the refresh gets invalid_grant', async () => {
    const storage = memoryStorage();
    const fetchTokens = vi.fn<FetchTokens>().mockRejectedValue(invalidGrant());
    const tokens = manager({ fetchTokens, storage });
    const events: TokenEvent[] = [];
    tokens.subscribe((event) => events.push(event));
    await tokens.setTokens({ access_token: 'old', refresh_token: 'revoked', expires_in: 0 });

    const results = await Promise.allSettled(Array.from({ length: 200 }, () => tokens.getAccessToken()));
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof OAuthError)).toBe(true);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(storage.get()).toBeUndefined();
    expect(tokens.peekTokens()).toBeUndefined();
    expect(events.filter((e) => e.type === 'session_expired')).toHaveLength(1);
    expect(events.map((e) => e.type)).toEqual(['tokens_set', 'refresh_failed', 'cleared', 'session_expired']);
  });

  it('explains a later LoginRequiredError with the invalid_grant that ended the session, until a new sign-in', async () => {
    const refusal = invalidGrant();
    const fetchTokens = vi.fn<FetchTokens>(async ({ refreshToken }) => {
      if (!refreshToken) throw new LoginRequiredError();
      if (refreshToken === 'revoked') throw refusal;
      return { access_token: 'refreshed', refresh_token: 'next', expires_in: 0 };
    });
    const tokens = manager({ fetchTokens });
    await tokens.setTokens({ access_token: 'old', refresh_token: 'revoked', expires_in: 0 });
    await expect(tokens.getAccessToken()).rejects.toBe(refusal);

    const later = await tokens.getAccessToken().catch((error: unknown) => error);
    expect(later).toBeInstanceOf(LoginRequiredError);
    expect((later as LoginRequiredError).cause).toBe(refusal);
    expect((later as Error).message).toBe(
      `No refresh token is available: the user must sign in. The session ended earlier: ${refusal.message}`,
    );

    await tokens.setTokens({ access_token: 'signed-in-again', refresh_token: 'good', expires_in: 0 });
    await tokens.getAccessToken();
    await tokens.clear();
    const afterSignOut = await tokens.getAccessToken().catch((error: unknown) => error);
    expect(afterSignOut).toBeInstanceOf(LoginRequiredError);
    expect((afterSignOut as LoginRequiredError).cause).toBeUndefined();
  });

  it('names the latest session end: a set a cleared listener stored ends without the refusal that preceded it', async () => {
    const refusal = invalidGrant();
    const fetchTokens = vi.fn<FetchTokens>(async ({ refreshToken }) => {
      if (!refreshToken) throw new LoginRequiredError();
      throw refusal;
    });
    const tokens = manager({ fetchTokens });
    let signedInAgain: Promise<unknown> | undefined;
    tokens.subscribe((event) => {
      // e.g. an app that falls back to a guest session without a refresh token
      if (event.type === 'cleared' && event.reason === 'session_expired')
        signedInAgain = tokens.setTokens({ access_token: 'guest', expires_in: 0 });
    });
    await tokens.setTokens({ access_token: 'old', refresh_token: 'revoked', expires_in: 0 });
    await expect(tokens.getAccessToken()).rejects.toBe(refusal);
    await signedInAgain;
    expect(tokens.peekTokens()?.accessToken).toBe('guest');

    const later = await tokens.getAccessToken().catch((error: unknown) => error);
    expect(later).toBeInstanceOf(LoginRequiredError);
    expect((later as LoginRequiredError).cause).toBeUndefined();
    expect((later as Error).message).toBe('No refresh token is available: the user must sign in');
    expect(fetchTokens).toHaveBeenCalledTimes(2);
  });

  it('names the latest refusal when a set a cleared listener stored is refused too', async () => {
    const refusals = [invalidGrant(), invalidGrant()];
    const fetchTokens = vi.fn<FetchTokens>(async ({ refreshToken }) => {
      if (!refreshToken) throw new LoginRequiredError();
      throw refusals[refreshToken === 'first' ? 0 : 1];
    });
    const tokens = manager({ fetchTokens });
    let signedInAgain: Promise<unknown> | undefined;
    tokens.subscribe((event) => {
      if (event.type === 'cleared' && event.reason === 'session_expired' && !signedInAgain)
        signedInAgain = tokens.setTokens({ access_token: 'second', refresh_token: 'second', expires_in: 0 });
    });
    await tokens.setTokens({ access_token: 'first', refresh_token: 'first', expires_in: 0 });
    await expect(tokens.getAccessToken()).rejects.toBe(refusals[0]);
    await signedInAgain;
    await expect(tokens.getAccessToken()).rejects.toBe(refusals[1]);

    const later = await tokens.getAccessToken().catch((error: unknown) => error);
    expect((later as LoginRequiredError).cause).toBe(refusals[1]);
    expect(fetchTokens).toHaveBeenCalledTimes(3);
  });

  it('does not clear tokens for errors other than invalid_grant', async () => {
    const storage = memoryStorage();
    const error = new OAuthError({ error: 'invalid_scope', status: 400 }, 'test');
    const tokens = manager({ fetchTokens: async () => Promise.reject(error), storage });
    await tokens.setTokens({ access_token: 'old', refresh_token: 'r', expires_in: 0 });
    await expect(tokens.getAccessToken()).rejects.toBe(error);
    expect(tokens.peekTokens()?.refreshToken).toBe('r');
  });
});

describe('cancellation', () => {
  it('rejects only the aborted caller; the shared request goes on for the others', async () => {
    const { fetchTokens, gate, requested } = heldFetch();
    const tokens = manager({ fetchTokens });
    const controller = new AbortController();
    const aborted = tokens.getAccessToken({ signal: controller.signal });
    const others = Array.from({ length: 100 }, () => tokens.getAccessToken());
    await requested;
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortError);
    gate.resolve({ access_token: 'for-the-others' });
    expect(new Set(await Promise.all(others))).toEqual(new Set(['for-the-others']));
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('adds one abort listener for 300 callers sharing one signal, so Node prints no MaxListenersExceededWarning', async () => {
    const { fetchTokens, gate, requested } = heldFetch();
    const storage = memoryStorage();
    const tokens = manager({ fetchTokens, storage });
    const shared = new AbortController();
    const callers = Array.from({ length: 300 }, () => tokens.getAccessToken({ signal: shared.signal }));
    // Each caller waits for the first storage read, then for the refresh: one listener at each step.
    expect(getEventListeners(shared.signal, 'abort').length).toBeLessThanOrEqual(1);
    await requested;
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(1);
    gate.resolve({ access_token: 'shared', expires_in: 3600 });
    expect(new Set(await Promise.all(callers))).toEqual(new Set(['shared']));
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
    expect(fetchTokens).toHaveBeenCalledTimes(1);

    // Aborting still rejects every caller that shares it, and only those.
    tokens.invalidate('shared');
    const next = heldFetch();
    fetchTokens.mockImplementation(next.fetchTokens);
    const aborting = new AbortController();
    const abortedCallers = Array.from({ length: 300 }, () =>
      tokens.getAccessToken({ signal: aborting.signal }),
    );
    const other = tokens.getAccessToken();
    await next.requested;
    expect(getEventListeners(aborting.signal, 'abort')).toHaveLength(1);
    aborting.abort();
    const outcomes = await Promise.allSettled(abortedCallers);
    expect(outcomes.every((o) => o.status === 'rejected' && o.reason instanceof AbortError)).toBe(true);
    next.gate.resolve({ access_token: 'after-abort', expires_in: 3600 });
    expect(await other).toBe('after-abort');
  });

  it('rejects at once with AbortError for a signal that is already aborted', async () => {
    const { fetchTokens } = countingFetch();
    const tokens = manager({ fetchTokens });
    await expect(tokens.getAccessToken({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('produces no unhandled rejection when every caller aborted and the request then fails', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    const { fetchTokens, gate, requested } = heldFetch();
    const tokens = manager({ fetchTokens });
    const controller = new AbortController();
    const call = tokens.getAccessToken({ signal: controller.signal });
    await requested;
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(AbortError);
    gate.reject(new Error('late failure'));
    await new Promise((resolve) => setImmediate(resolve));
    process.off('unhandledRejection', unhandled);
    expect(unhandled).not.toHaveBeenCalled();
  });
});

describe('storage', () => {
  it('loads a valid stored set without a token request', async () => {
    const clock = testClock();
    const storage = memoryStorage();
    storage.set({ accessToken: 'stored', tokenType: 'Bearer', expiresAt: clock.now() + 3600_000 });
    const { fetchTokens } = countingFetch();
    const tokens = manager({ fetchTokens, storage, clock: clock.now });
    expect(await tokens.getAccessToken()).toBe('stored');
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it.each([
    ['a string', 'garbage'],
    ['an object without accessToken', { foo: 1 }],
    ['a wrong expiresAt', { accessToken: 'x', expiresAt: 'tomorrow' }],
    ['an array', [1, 2]],
  ])('treats %s in storage as empty and reports storage_error', async (_, garbage) => {
    const storage: TokenStorage = { get: () => garbage, set: vi.fn(), remove: vi.fn() };
    const { fetchTokens } = countingFetch();
    const tokens = manager({ fetchTokens, storage });
    const events: TokenEvent[] = [];
    tokens.subscribe((event) => events.push(event));
    expect(await tokens.getAccessToken()).toBe('at-1');
    expect(events.some((e) => e.type === 'storage_error' && e.operation === 'get')).toBe(true);
  });

  it('keeps working with its in-memory copy when the storage throws', async () => {
    const storage: TokenStorage = {
      get: () => Promise.reject(new Error('quota')),
      set: () => Promise.reject(new Error('quota')),
      remove: () => Promise.reject(new Error('quota')),
    };
    const { fetchTokens } = countingFetch({ expiresIn: 3600 });
    const tokens = manager({ fetchTokens, storage });
    expect(await tokens.getAccessToken()).toBe('at-1');
    expect(await tokens.getAccessToken()).toBe('at-1');
    await expect(tokens.clear()).resolves.toBeUndefined();
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('treats a stored OAuth response (expires_in, not expiresAt) as due on every read, not valid for expires_in from the read', async () => {
    const clock = testClock();
    const storage: TokenStorage = {
      // Written by another version of the app ten hours ago: only its refresh token is still good.
      get: () => ({ access_token: 'ten-hours-old', refresh_token: 'rt-0', expires_in: 3600 }),
      set: vi.fn(),
      remove: vi.fn(),
    };
    const { fetchTokens, calls } = countingFetch({ expiresIn: 3600 });
    const tokens = manager({ fetchTokens, storage, clock: clock.now });

    expect(await tokens.getAccessToken()).toBe('at-1');
    expect(calls.map((call) => call.refreshToken)).toEqual(['rt-0']);
  });

  it('adopts a set another holder stored meanwhile instead of requesting one', async () => {
    const clock = testClock();
    const storage = memoryStorage();
    const { fetchTokens } = countingFetch({ expiresIn: 60 });
    const tokens = manager({ fetchTokens, storage, clock: clock.now, refreshMargin: 0 });
    await tokens.getAccessToken();
    clock.advance(61_000);
    storage.set({ accessToken: 'from-another-tab', tokenType: 'Bearer', expiresAt: clock.now() + 60_000 });
    expect(await tokens.getAccessToken()).toBe('from-another-tab');
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('adopts sets and sign-outs published by the storage subscription', async () => {
    let publish: (value: unknown) => void = () => {};
    const base = memoryStorage();
    const storage: TokenStorage = {
      ...base,
      subscribe: (onChange) => {
        publish = onChange;
        return () => {};
      },
    };
    const { fetchTokens } = countingFetch({ expiresIn: 3600 });
    const tokens = manager({ fetchTokens, storage });
    const events: string[] = [];
    tokens.subscribe((event) => events.push(event.type));
    await tokens.getAccessToken();
    publish({ accessToken: 'synced', tokenType: 'Bearer' });
    expect(await tokens.getAccessToken()).toBe('synced');
    publish(null);
    expect(tokens.peekTokens()).toBeUndefined();
    expect(events).toEqual(['loaded', 'refreshed', 'synced', 'cleared']);
  });
});

describe('clear and setTokens during a refresh', () => {
  it('does not store the result of a refresh that was in flight when the tokens were cleared', async () => {
    const gate = deferred<TokenResponse>();
    const storage = memoryStorage();
    const tokens = manager({ fetchTokens: () => gate.promise, storage });
    await tokens.setTokens({ access_token: 'a', refresh_token: 'r', expires_in: 0 });
    const waiting = tokens.getAccessToken();
    await tokens.clear();
    gate.resolve({ access_token: 'too-late' });
    await expect(waiting).rejects.toBeInstanceOf(LoginRequiredError);
    expect(storage.get()).toBeUndefined();
    expect(tokens.peekTokens()).toBeUndefined();
  });

  it('sends no token request for a refresh that was still waiting for its lock when the tokens were cleared', async () => {
    const granted = deferred<void>();
    const lock: RefreshLock = { run: async (_name, task) => granted.promise.then(task) }; // another replica holds it
    const { fetchTokens } = countingFetch({ rotate: true });
    const tokens = manager({ fetchTokens, lock });
    await tokens.setTokens({ access_token: 'a', refresh_token: 'r', expires_in: 0 });
    const waiting = tokens.getAccessToken().catch((error: unknown) => error);
    await tokens.clear();
    granted.resolve();
    expect(await waiting).toBeInstanceOf(LoginRequiredError);
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(tokens.peekTokens()).toBeUndefined();
  });

  it('sends one token request, with the new refresh token, when setTokens stored a due set while the refresh waited for its lock', async () => {
    let release!: () => void;
    const granted = new Promise<void>((resolve) => {
      release = resolve;
    });
    const lock: RefreshLock = { run: async (_name, task) => granted.then(task) }; // another replica holds it
    const { fetchTokens, calls } = countingFetch({ rotate: true, expiresIn: 600 });
    const tokens = manager({ fetchTokens, lock });
    await tokens.setTokens({ access_token: 'a', refresh_token: 'r', expires_in: 0 });
    const before = Array.from({ length: 150 }, () => tokens.getAccessToken());
    await tokens.setTokens({ access_token: 'b', refresh_token: 'signed-in-again', expires_in: 0 });
    const after = Array.from({ length: 150 }, () => tokens.getAccessToken());
    release();
    expect(new Set(await Promise.all([...before, ...after]))).toEqual(new Set(['at-1']));
    expect(calls.map((call) => call.refreshToken)).toEqual(['signed-in-again']);
  });

  it('sends one new token request for 300 callers that arrive after clear(), instead of joining the cleared refresh', async () => {
    const gates: Array<(response: TokenResponse) => void> = [];
    const fetchTokens = vi.fn<FetchTokens>(
      () =>
        new Promise<TokenResponse>((resolve) => {
          gates.push(resolve);
        }),
    );
    const tokens = manager({ fetchTokens }); // a client-credentials service: no refresh token
    const before = tokens.getAccessToken();
    await vi.waitFor(() => expect(gates).toHaveLength(1));
    await tokens.clear();
    const after = Array.from({ length: 300 }, () => tokens.getAccessToken());
    gates[0]?.({ access_token: 'from-before-clear' });
    await expect(before).rejects.toBeInstanceOf(LoginRequiredError);
    await vi.waitFor(() => expect(gates).toHaveLength(2));
    gates[1]?.({ access_token: 'fresh', expires_in: 3600 });
    expect(new Set(await Promise.all(after))).toEqual(new Set(['fresh']));
    expect(fetchTokens).toHaveBeenCalledTimes(2);
    expect(tokens.peekTokens()?.accessToken).toBe('fresh');
  });

  it('gives waiters the set stored by setTokens while a refresh was in flight', async () => {
    const gate = deferred<TokenResponse>();
    const tokens = manager({ fetchTokens: () => gate.promise });
    const waiting = tokens.getAccessToken();
    await tokens.setTokens({ access_token: 'signed-in', expires_in: 3600 });
    gate.resolve({ access_token: 'stale-refresh' });
    expect(await waiting).toBe('signed-in');
    expect(await tokens.getAccessToken()).toBe('signed-in');
  });
});

describe('events', () => {
  it('emits refreshed with the reason, and isolates a throwing listener', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { fetchTokens } = countingFetch({ expiresIn: 3600 });
    const tokens = manager({ fetchTokens });
    const seen: TokenEvent[] = [];
    tokens.subscribe(() => {
      throw new Error('listener bug');
    });
    const off = tokens.subscribe((event) => seen.push(event));
    await tokens.getAccessToken();
    tokens.invalidate('at-1');
    await tokens.getAccessToken();
    off();
    await tokens.getAccessToken({ forceRefresh: true });
    expect(seen.map((e) => (e.type === 'refreshed' ? `refreshed:${e.reason}` : e.type))).toEqual([
      'loaded',
      'refreshed:initial',
      'invalidated',
      'refreshed:invalidated',
    ]);
    expect(error).toHaveBeenCalled();
    error.mockRestore();
  });
  it('calls a listener that subscribes again from inside itself once per event, without looping (a re-render)', async () => {
    const tokens = manager({ fetchTokens: countingFetch().fetchTokens });
    let calls = 0;
    let off = (): void => {};
    const listener = (): void => {
      calls += 1;
      if (calls > 100) throw new Error('emit loops'); // without the guard the loop never ends
      off();
      off = tokens.subscribe(listener);
    };
    off = tokens.subscribe(listener);
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    await tokens.setTokens({ access_token: 'a' });
    error.mockRestore();
    expect(calls).toBe(1);
  });

  it('does not call, during that event, a listener added or removed by an earlier listener', async () => {
    const tokens = manager({ fetchTokens: countingFetch().fetchTokens });
    const seen: string[] = [];
    let offB = (): void => {};
    tokens.subscribe(() => {
      seen.push('a');
      offB();
      tokens.subscribe(() => seen.push('added'));
    });
    offB = tokens.subscribe(() => seen.push('b'));
    await tokens.setTokens({ access_token: 'a' });
    expect(seen).toEqual(['a']);
  });
});

describe('timers and disposal', () => {
  it('creates no timer unless background refresh is enabled', async () => {
    vi.useFakeTimers();
    const { fetchTokens } = countingFetch({ expiresIn: 3600 });
    const tokens = manager({ fetchTokens });
    await tokens.getAccessToken();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('refreshes in the background before expiry with an unref’d timer, and dispose stops it', async () => {
    vi.useFakeTimers();
    const { fetchTokens } = countingFetch({ expiresIn: 3600 });
    const tokens = manager({ fetchTokens, refreshInBackground: backgroundRefresh(), refreshMargin: 60_000 });
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    await tokens.getAccessToken();
    expect(vi.getTimerCount()).toBe(1);
    const timer = setTimeoutSpy.mock.results.at(-1)?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false); // never keeps a Node process alive
    setTimeoutSpy.mockRestore();
    await vi.advanceTimersByTimeAsync(3600_000 - 60_000);
    expect(fetchTokens).toHaveBeenCalledTimes(2);
    expect(fetchTokens.mock.calls[1]?.[0].reason).toBe('background');
    tokens.dispose();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10 * 3600_000);
    expect(fetchTokens).toHaveBeenCalledTimes(2);
  });

  it('renews on read when the background timer was throttled (a background tab, a laptop asleep): no expired token, one token request', async () => {
    vi.useFakeTimers();
    const { fetchTokens } = countingFetch({ expiresIn: 3600 });
    const tokens = manager({ fetchTokens, refreshInBackground: backgroundRefresh(), refreshMargin: 60_000 });
    expect(await tokens.getAccessToken()).toBe('at-1');
    vi.setSystemTime(Date.now() + 2 * 3600_000); // the clock moved on; the throttled timer has not fired
    expect(fetchTokens).toHaveBeenCalledTimes(1);

    const callers = Array.from({ length: 300 }, () => tokens.getAccessToken());
    expect(new Set(await Promise.all(callers))).toEqual(new Set(['at-2']));
    expect(fetchTokens).toHaveBeenCalledTimes(2);
    expect(fetchTokens.mock.calls[1]?.[0].reason).toBe('expired');
    await vi.advanceTimersByTimeAsync(3600_000 - 60_000 - 1); // late timers fire now: nothing is due
    expect(fetchTokens).toHaveBeenCalledTimes(2);
  });

  it('does not loop when the server issues tokens that are already expired (expires_in 0)', async () => {
    vi.useFakeTimers();
    const { fetchTokens } = countingFetch({ expiresIn: 0 });
    const tokens = manager({ fetchTokens, refreshInBackground: backgroundRefresh() });
    await tokens.getAccessToken();
    // Background waits 1 s, 2 s, 4 s, 8 s, 16 s… between refreshes instead of spinning.
    await vi.advanceTimersByTimeAsync(31_000);
    expect(fetchTokens).toHaveBeenCalledTimes(1 + 5);
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    // Then 32 s, 64 s, 128 s, 256 s, and capped at one background refresh per 5 minutes.
    expect(fetchTokens).toHaveBeenCalledTimes(6 + 4 + 10);
  });

  it('resets the background backoff once a token with a normal lifetime arrives', async () => {
    vi.useFakeTimers();
    let lifetime = 0;
    const fetchTokens = vi.fn<FetchTokens>(async () => ({
      access_token: `at-${Date.now()}`,
      expires_in: lifetime,
    }));
    const tokens = manager({ fetchTokens, refreshInBackground: backgroundRefresh(), refreshMargin: 60_000 });
    await tokens.getAccessToken();
    await vi.advanceTimersByTimeAsync(1_000 + 2_000);
    expect(fetchTokens).toHaveBeenCalledTimes(3);
    lifetime = 3600;
    await vi.advanceTimersByTimeAsync(4_000);
    expect(fetchTokens).toHaveBeenCalledTimes(4);
    await vi.advanceTimersByTimeAsync(3600_000 - 60_000 - 1);
    expect(fetchTokens).toHaveBeenCalledTimes(4);
    await vi.advanceTimersByTimeAsync(1);
    expect(fetchTokens).toHaveBeenCalledTimes(5);
  });

  it('retries a failed background refresh later and keeps the current token meanwhile', async () => {
    vi.useFakeTimers();
    const fetchTokens = vi
      .fn<FetchTokens>()
      .mockResolvedValueOnce({ access_token: 'first', expires_in: 3600 })
      .mockRejectedValueOnce(new Error('endpoint down'))
      .mockResolvedValueOnce({ access_token: 'second', expires_in: 3600 });
    const tokens = manager({
      fetchTokens,
      refreshInBackground: backgroundRefresh(),
      refreshMargin: 60_000,
      retry: false,
    });
    await tokens.getAccessToken();
    await vi.advanceTimersByTimeAsync(3600_000 - 60_000);
    expect(fetchTokens).toHaveBeenCalledTimes(2);
    expect(tokens.peekTokens()?.accessToken).toBe('first');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fetchTokens).toHaveBeenCalledTimes(3);
    expect(tokens.peekTokens()?.accessToken).toBe('second');
  });

  it('rejects a caller waiting for the refresh lock with DisposedError at once, and leaves no timer', async () => {
    vi.useFakeTimers();
    const locks = fakeLockManager({ grants: false }); // another tab holds the lock and never lets go
    const lock = webLocksLock({ prefix: 'app', timeout: undefined, locks: locks.locks });
    const { fetchTokens } = countingFetch();
    const tokens = manager({ fetchTokens, lock });
    let outcome: unknown = 'pending';
    tokens.getAccessToken().then(
      (value) => {
        outcome = value;
      },
      (error: unknown) => {
        outcome = error;
      },
    );
    await vi.advanceTimersByTimeAsync(10);
    expect(vi.getTimerCount()).toBe(1); // the lock wait (the manager's worst-case refresh, ~64 s)
    tokens.dispose();
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome).toBeInstanceOf(DisposedError);
    expect(vi.getTimerCount()).toBe(0);
    expect(locks.pending()).toEqual([]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('rejects callers with DisposedError at once even when the lock ignores the manager’s signal', async () => {
    const never: RefreshLock = { run: () => new Promise(() => {}) };
    const tokens = manager({ fetchTokens: countingFetch().fetchTokens, lock: never });
    const waiting = Array.from({ length: 100 }, () => tokens.getAccessToken());
    await Promise.resolve();
    tokens.dispose();
    const outcomes = await Promise.allSettled(waiting);
    expect(outcomes.every((o) => o.status === 'rejected' && o.reason instanceof DisposedError)).toBe(true);
  });

  it('rejects waiting and later callers with DisposedError after dispose', async () => {
    const gate = deferred<TokenResponse>();
    const tokens = manager({ fetchTokens: () => gate.promise });
    const waiting = tokens.getAccessToken();
    tokens[Symbol.dispose]();
    await expect(waiting).rejects.toBeInstanceOf(DisposedError);
    await expect(tokens.getAccessToken()).rejects.toBeInstanceOf(DisposedError);
  });
});

describe('ready() and the loaded event', () => {
  it('reads storage once without a token request and fires loaded once', async () => {
    const storage = memoryStorage();
    await storage.set({ accessToken: 'stored', tokenType: 'Bearer', expiresAt: 1 });
    const { fetchTokens } = countingFetch({ expiresIn: 3600 });
    const tokens = manager({ fetchTokens, storage });
    const seen: TokenEvent[] = [];
    tokens.subscribe((event) => seen.push(event));
    const [first, second] = await Promise.all([tokens.ready(), tokens.ready()]);
    expect(first?.accessToken).toBe('stored');
    expect(second).toBe(first);
    expect(await tokens.ready()).toBe(first);
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(seen).toEqual([{ type: 'loaded', tokens: first }]);
    await tokens.getAccessToken();
    expect(seen.filter((event) => event.type === 'loaded')).toHaveLength(1);
  });

  it('resolves undefined and reports loaded with no tokens when storage is empty or garbage', async () => {
    for (const storage of [memoryStorage(), garbageStorage()]) {
      const tokens = manager({ fetchTokens: countingFetch().fetchTokens, storage });
      const seen: string[] = [];
      tokens.subscribe((event) => seen.push(event.type));
      expect(await tokens.ready()).toBeUndefined();
      expect(seen.at(-1)).toBe('loaded');
    }
  });

  it('rejects with DisposedError after dispose', async () => {
    const tokens = manager({ fetchTokens: countingFetch().fetchTokens });
    tokens.dispose();
    await expect(tokens.ready()).rejects.toBeInstanceOf(DisposedError);
  });
});

describe('getAccessToken fast path', () => {
  it('answers a cached token with a live signal without a request, and still honours an aborted one', async () => {
    const { fetchTokens } = countingFetch({ expiresIn: 3600 });
    const tokens = manager({ fetchTokens });
    await tokens.getAccessToken();
    const controller = new AbortController();
    expect(await tokens.getAccessToken({ signal: controller.signal })).toBe('at-1');
    controller.abort();
    await expect(tokens.getAccessToken({ signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
    expect(await tokens.getAccessToken({ forceRefresh: true })).toBe('at-2');
    expect(fetchTokens).toHaveBeenCalledTimes(2);
  });

  it('rejects with DisposedError after dispose even while a valid token is cached', async () => {
    const { fetchTokens } = countingFetch({ expiresIn: 3600 });
    const tokens = manager({ fetchTokens });
    await tokens.getAccessToken();
    tokens.dispose();
    await expect(tokens.getAccessToken()).rejects.toBeInstanceOf(DisposedError);
  });
});
