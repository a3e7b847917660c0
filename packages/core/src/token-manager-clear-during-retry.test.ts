import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
// Relative import: @tessera/testing depends on @tessera/core, so core cannot list it as a dependency.
import { failUnhandledRequest } from '../../testing/src/fail-unhandled-request.js';
import { DisposedError } from './errors/disposed-error.js';
import { isOAuthError, isTesseraError } from './errors/guards.js';
import type { TokenEvent } from './events.js';
import { refreshTokenGrant } from './grants/refresh-token-grant.js';
import { memoryStorage } from './storage/memory-storage.js';
import type { TokenStorage } from './storage/token-storage.js';
import { TokenManager } from './token-manager.js';

const TOKEN_URL = 'https://auth.example.test/oauth/token';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  vi.useRealTimers();
});
afterAll(() => server.close());

const managers: TokenManager[] = [];
afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
});

/** A token endpoint that fails every request as `answer` says; `requests` counts what reached it. */
function failingEndpoint(answer: () => Response) {
  const endpoint = { requests: 0 };
  server.use(
    http.post(TOKEN_URL, () => {
      endpoint.requests += 1;
      return answer();
    }),
  );
  return endpoint;
}

/**
 * A token endpoint that fails (network error) the requests `fails` picks by refresh token and answers
 * the others with `at-2`; `refreshTokens` lists the refresh token of each request that reached it.
 */
function refreshingEndpoint(fails: (refreshToken: string | null) => boolean) {
  const endpoint = { refreshTokens: [] as Array<string | null> };
  server.use(
    http.post(TOKEN_URL, async ({ request }) => {
      const refreshToken = new URLSearchParams(await request.text()).get('refresh_token');
      endpoint.refreshTokens.push(refreshToken);
      return fails(refreshToken)
        ? HttpResponse.error()
        : HttpResponse.json({ access_token: 'at-2', token_type: 'Bearer', expires_in: 600 });
    }),
  );
  return endpoint;
}

/** A signed-in manager whose set is due, retrying 3 times: 1 s, 2 s, 4 s of backoff. */
async function dueSession(storage: TokenStorage = memoryStorage()) {
  const tokens = new TokenManager({
    fetchTokens: refreshTokenGrant({ tokenUrl: TOKEN_URL, clientId: 'web' }),
    storage,
    retry: { retries: 3, minTimeout: 1_000, factor: 2, randomize: false },
  });
  managers.push(tokens);
  await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt-0', expires_in: 0 });
  const events: TokenEvent['type'][] = [];
  tokens.subscribe((event) => events.push(event.type));
  return { tokens, storage, events };
}

/** Lets pending I/O callbacks and promise chains run; no fake time passes. */
async function flush(): Promise<void> {
  for (let round = 0; round < 5; round += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Waits, without moving fake time, until `check` passes (msw answers on real I/O). Not `vi.waitFor`:
 * with fake timers it advances them, which would run the backoff under test.
 */
async function until(check: () => void): Promise<void> {
  for (let round = 0; ; round += 1) {
    try {
      return check();
    } catch (error) {
      if (round === 100) throw error;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}

/** `promise`'s outcome (its value or error) and whether it has settled yet. */
function track<T>(promise: Promise<T>) {
  const tracked = { settled: false, outcome: undefined as unknown };
  promise.then(
    (value) => Object.assign(tracked, { settled: true, outcome: value }),
    (error: unknown) => Object.assign(tracked, { settled: true, outcome: error }),
  );
  return tracked;
}

const answers: Array<[string, () => Response]> = [
  ['a network error', () => HttpResponse.error()],
  ['HTTP 503', () => HttpResponse.json({ error: 'temporarily_unavailable' }, { status: 503 })],
];

describe('clear() while a refresh waits to retry', () => {
  it.each(answers)(
    'sends no further token request after %s: the backoff ends at once, callers get LoginRequiredError',
    async (_, answer) => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      const endpoint = failingEndpoint(answer);
      const { tokens, storage, events } = await dueSession();
      const callers = Array.from({ length: 300 }, () => track(tokens.getAccessToken()));
      await until(() => expect(events).toContain('retrying'));
      expect(endpoint.requests).toBe(1);

      await tokens.clear();
      await flush(); // no fake time passes: the backoff must not hold the callers
      expect(callers.filter((caller) => caller.settled)).toHaveLength(300);
      expect(vi.getTimerCount()).toBe(0);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(endpoint.requests).toBe(1);
      expect(callers.every(({ outcome }) => isTesseraError(outcome, 'LOGIN_REQUIRED'))).toBe(true);
      expect((callers[0]!.outcome as Error).message).toBe(
        'The tokens were cleared while a refresh was in flight: the user must sign in',
      );
      expect(events.filter((type) => type === 'retrying')).toHaveLength(1);
      expect(storage.get()).toBeUndefined();
    },
  );

  it('sends no further token request after another tab or replica signed out (storage subscription)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const endpoint = failingEndpoint(() => HttpResponse.error());
    let publish: (value: unknown) => void = () => {};
    const shared: TokenStorage = {
      ...memoryStorage(),
      subscribe: (onChange) => {
        publish = onChange;
        return () => {};
      },
    };
    const { tokens, events } = await dueSession(shared);
    const caller = track(tokens.getAccessToken());
    await until(() => expect(events).toContain('retrying'));

    publish(null);
    await flush();
    expect(isTesseraError(caller.outcome, 'LOGIN_REQUIRED')).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(endpoint.requests).toBe(1);
  });

  it('sends no retry for an attempt that fails after clear(): one token request in all', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const endpoint = { requests: 0 };
    server.use(
      http.post(TOKEN_URL, async () => {
        endpoint.requests += 1;
        await held;
        return HttpResponse.json({ error: 'temporarily_unavailable' }, { status: 503 });
      }),
    );
    const { tokens, events } = await dueSession();
    const caller = tokens.getAccessToken().catch((error: unknown) => error);
    await until(() => expect(endpoint.requests).toBe(1));

    await tokens.clear();
    release();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(endpoint.requests).toBe(1);
    expect(isTesseraError(await caller, 'LOGIN_REQUIRED')).toBe(true);
    expect(events).not.toContain('retrying');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('after clear(), a new sign-in refreshes on its own, not through the cleared retry loop', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let fail = true;
    const endpoint = refreshingEndpoint(() => fail);
    const { tokens, events } = await dueSession();
    const before = tokens.getAccessToken().catch((error: unknown) => error);
    await until(() => expect(events).toContain('retrying'));
    await tokens.clear();
    fail = false;
    await tokens.setTokens({ access_token: 'at-1', refresh_token: 'rt-1', expires_in: 0 });
    const after = track(tokens.getAccessToken());
    await flush(); // no fake time passes: the new set's refresh does not wait for the cleared one's backoff
    expect(after.outcome).toBe('at-2');

    await vi.advanceTimersByTimeAsync(60_000);
    expect(isTesseraError(await before, 'LOGIN_REQUIRED')).toBe(true);
    expect(endpoint.refreshTokens).toEqual(['rt-0', 'rt-1']);
  });
});

describe('setTokens() while a refresh waits to retry', () => {
  it('hands the callers the new set at once and sends the old refresh token no more', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const endpoint = refreshingEndpoint((refreshToken) => refreshToken === 'rt-0');
    const { tokens, events } = await dueSession();
    const before = Array.from({ length: 300 }, () => track(tokens.getAccessToken()));
    await until(() => expect(events).toContain('retrying'));

    // Signed in again with a fresh set.
    await tokens.setTokens({ access_token: 'at-1', refresh_token: 'rt-1', expires_in: 600 });
    await flush(); // no fake time passes
    expect(new Set(before.map(({ outcome }) => outcome))).toEqual(new Set(['at-1']));
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(endpoint.refreshTokens).toEqual(['rt-0']);
  });

  it('refreshes a new set that is already due once, without waiting for the old backoff', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const endpoint = refreshingEndpoint((refreshToken) => refreshToken === 'rt-0');
    const { tokens, events } = await dueSession();
    const before = Array.from({ length: 150 }, () => track(tokens.getAccessToken()));
    await until(() => expect(events).toContain('retrying'));

    await tokens.setTokens({ access_token: 'at-1', refresh_token: 'rt-1', expires_in: 0 });
    const after = Array.from({ length: 150 }, () => track(tokens.getAccessToken()));
    await until(() => expect([...before, ...after].every(({ settled }) => settled)).toBe(true));
    expect(new Set([...before, ...after].map(({ outcome }) => outcome))).toEqual(new Set(['at-2']));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(endpoint.refreshTokens).toEqual(['rt-0', 'rt-1']);
  });
});

describe('a token endpoint that is temporarily unavailable', () => {
  it('waits each Retry-After, and after the last retry rejects with its OAuth error code and Retry-After (MSAL dropped the code)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const endpoint = failingEndpoint(() =>
      HttpResponse.json(
        { error: 'temporarily_unavailable', error_description: 'maintenance' },
        { status: 503, headers: { 'Retry-After': '5' } },
      ),
    );
    const { tokens } = await dueSession();
    const caller = track(tokens.getAccessToken());
    await until(() => expect(endpoint.requests).toBe(1));
    for (const expected of [2, 3, 4]) {
      await vi.advanceTimersByTimeAsync(4_999);
      expect(endpoint.requests).toBe(expected - 1);
      await vi.advanceTimersByTimeAsync(1);
      await until(() => expect(endpoint.requests).toBe(expected));
    }
    await flush();
    expect(isOAuthError(caller.outcome, 'temporarily_unavailable')).toBe(true);
    expect(caller.outcome).toMatchObject({ status: 503, retryAfter: 5_000, errorDescription: 'maintenance' });
    expect(tokens.peekTokens()?.refreshToken).toBe('rt-0'); // not a session end
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('dispose() while a refresh waits to retry', () => {
  it('sends no further token request and rejects the callers with DisposedError at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const endpoint = failingEndpoint(() => HttpResponse.error());
    const { tokens, events } = await dueSession();
    const callers = Array.from({ length: 300 }, () => track(tokens.getAccessToken()));
    await until(() => expect(events).toContain('retrying'));

    tokens.dispose();
    await flush();
    expect(callers.every(({ outcome }) => outcome instanceof DisposedError)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(endpoint.requests).toBe(1);
  });
});

describe('clear() while a timed-out attempt re-reads storage (retryTimeouts)', () => {
  it('sends no retry with the signed-out refresh token once the read returns: one token request in all', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const sent: Array<string | undefined> = [];
    const inner = memoryStorage();
    let reading: { opened: boolean; open: () => void; wait: Promise<void> } | undefined;
    const storage: TokenStorage = {
      get: async () => {
        if (reading) {
          reading.opened = true;
          await reading.wait;
        }
        return inner.get();
      },
      set: (tokens) => inner.set(tokens),
      remove: () => inner.remove(),
    };
    const tokens = new TokenManager({
      // Never answers: each attempt ends at the 1 s timeout.
      fetchTokens: ({ refreshToken, signal }) => {
        sent.push(refreshToken);
        return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      },
      storage,
      timeout: 1_000,
      retryTimeouts: true,
      retry: { retries: 3, minTimeout: 1_000, factor: 2, randomize: false },
    });
    managers.push(tokens);
    await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt-0', expires_in: 0 });
    const caller = track(tokens.getAccessToken());
    await until(() => expect(sent).toEqual(['rt-0']));

    let open = () => {};
    const wait = new Promise<void>((resolve) => {
      open = resolve;
    });
    reading = { opened: false, open, wait };
    await vi.advanceTimersByTimeAsync(1_000); // the attempt times out
    await vi.advanceTimersByTimeAsync(1_000); // the backoff: the retry re-reads storage first
    await until(() => expect(reading?.opened).toBe(true));

    const cleared = tokens.clear();
    reading.open(); // the read returns after the sign-out
    await cleared;
    await flush();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sent).toEqual(['rt-0']);
    expect(isTesseraError(caller.outcome, 'LOGIN_REQUIRED')).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});
