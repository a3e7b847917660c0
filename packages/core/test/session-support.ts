/** Test helpers of the session store (`src/session/`) and of the bindings built on it (`@tessera/react`, `@tessera/vue`). */
import {
  refreshTokenGrant,
  type SessionCallbackResult,
  TokenManager,
  type TokenManagerOptions,
  type TokenSet,
  type TokenStorage,
} from '@tessera/core';
import { type AuthServer, createAuthServer, createTestClock, failUnhandledRequest } from '@tessera/testing';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, vi } from 'vitest';

/** Counts `tokens.subscribe` calls and the unsubscribes of what they returned. */
export function trackSubscriptions(tokens: TokenManager): {
  subscribes: number;
  unsubscribes: number;
  active: () => number;
} {
  const counts = { subscribes: 0, unsubscribes: 0, active: () => counts.subscribes - counts.unsubscribes };
  const subscribe = tokens.subscribe.bind(tokens);
  tokens.subscribe = (listener) => {
    counts.subscribes += 1;
    const stop = subscribe(listener);
    let stopped = false;
    return () => {
      if (!stopped) counts.unsubscribes += 1;
      stopped = true;
      stop();
    };
  };
  return counts;
}

/** A sign-in double: `start` records its options and never settles (the page would be leaving). */
export function fakeSignIn(handleCallback?: (url?: string) => Promise<SessionCallbackResult>) {
  const start = vi.fn((_options?: { returnTo?: string }) => new Promise<unknown>(() => {}));
  return handleCallback ? { start, handleCallback: vi.fn(handleCallback) } : { start };
}

/**
 * A sign-in double that reads its URL as `createSignIn` does (`location.href` when given none): the
 * path `/callback` with a `code` is a callback, completed with one token request at `auth` (returning
 * to `/orders`); any other URL is not one.
 */
export function callbackSignIn(auth: AuthServer, tokens: TokenManager) {
  return fakeSignIn(async (url = location.href): Promise<SessionCallbackResult> => {
    const { pathname, searchParams } = new URL(url);
    if (pathname !== '/callback' || !searchParams.has('code')) return { status: 'not-a-callback' };
    await signInAt(auth, tokens);
    return { status: 'handled', returnTo: '/orders' };
  });
}

/** What a completed callback does to `tokens`: one token request at `auth`, then `setTokens`. */
export async function signInAt(auth: AuthServer, tokens: TokenManager): Promise<void> {
  const response = await fetch(auth.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      username: 'alice',
      password: 'wonderland',
      client_id: 'web',
    }),
  });
  await tokens.setTokens(await response.json());
}

/** What the session shows of `set`: everything but the refresh token. */
export function withoutRefreshToken(set: TokenSet | undefined): TokenSet {
  return { ...set!, refreshToken: undefined };
}

/**
 * A storage shared with another tab, as `crossTab()` makes one: `removeInOtherTab()` empties it as
 * that tab's sign-out or session end does, and tells this tab's manager through `subscribe`.
 */
export function tabStorage(): TokenStorage & { removeInOtherTab: () => void } {
  let stored: unknown = null;
  const listeners = new Set<(tokens: unknown) => void>();
  return {
    get: () => stored,
    set: (tokens) => {
      stored = tokens;
    },
    remove: () => {
      stored = null;
    },
    subscribe: (onChange) => {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
    removeInOtherTab: () => {
      stored = null;
      for (const listener of listeners) listener(null);
    },
  };
}

/** A promise and its resolver. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** An unsigned JWT with `payload` (the bindings decode, never verify). */
export function unsignedJwt(payload: object): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none' })}.${encode(payload)}.`;
}

/**
 * A `@tessera/testing` authorization server on msw for the whole file, a test clock and a factory
 * of managers that refresh against it (`refresh_token` grant, client `web`).
 */
export function setupAuthServer(): {
  auth: AuthServer;
  clock: ReturnType<typeof createTestClock>;
  manager: (options?: Partial<TokenManagerOptions>) => TokenManager;
} {
  const clock = createTestClock(Date.parse('2026-01-01T00:00:00Z'));
  const auth = createAuthServer({ issuer: 'https://auth.example.test', clock: clock.now });
  const server = setupServer(...auth.handlers);
  const managers: TokenManager[] = [];
  beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
  afterEach(() => {
    for (const manager of managers.splice(0)) manager.dispose();
    server.resetHandlers();
    auth.reset();
  });
  afterAll(() => server.close());
  return {
    auth,
    clock,
    manager: (options) => {
      const manager = new TokenManager({
        fetchTokens: refreshTokenGrant({ tokenUrl: auth.tokenUrl, clientId: 'web' }),
        clock: clock.now,
        retry: false,
        ...options,
      });
      managers.push(manager);
      return manager;
    },
  };
}
