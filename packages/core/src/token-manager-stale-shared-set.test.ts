import { afterEach, describe, expect, it, vi } from 'vitest';
import { rotatingRefreshTokens } from '../test/fixtures/rotating-refresh-tokens.js';
import { LoginRequiredError } from './errors/login-required-error.js';
import type { TokenEvent } from './events.js';
import type { TokenStorage } from './storage/token-storage.js';
import { TokenManager } from './token-manager.js';
import type { TokenSet } from './token-set.js';

// A shared storage (Redis, another tab's) can hand back a set the app already moved past: a failover
// to a lagging replica, a restored snapshot, a stale write landing late. A manager that only heard of
// the newer set, or of a sign-out, never adopts the old set again (decision 0007).

const NOW = 1_700_000_000_000;
let now = NOW;
const clock = () => now;
/** The fixture's sets live 600 s. */
const LIFETIME = 600_000;

const managers: TokenManager[] = [];
afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
  now = NOW;
});

/** One stored value shared by every manager; each write or removal is heard by the others, as with pub/sub. */
function sharedStorage(initial: TokenSet) {
  let value: TokenSet | undefined = initial;
  const listeners = new Set<(tokens: unknown) => void>();
  /** While set, messages wait here (a subscriber that lags behind). */
  let lagging: (() => void)[] | undefined;
  const tell = (except?: (tokens: unknown) => void) => {
    const told = value ?? null;
    const deliver = () => {
      for (const listener of listeners) if (listener !== except) listener(told);
    };
    lagging ? lagging.push(deliver) : deliver();
  };
  const view = (): TokenStorage => {
    let own: ((tokens: unknown) => void) | undefined;
    return {
      get: () => value,
      set: (tokens) => {
        value = tokens;
        tell(own);
      },
      remove: () => {
        value = undefined;
        tell(own);
      },
      subscribe: (onChange) => {
        own = onChange;
        listeners.add(onChange);
        return () => listeners.delete(onChange);
      },
    };
  };
  /** Puts `stale` back as it was, raw, and every manager hears it (a failover, a restore, a late write). */
  const restore = (stale: TokenSet) => {
    value = { ...stale };
    tell();
  };
  const lag = () => {
    lagging = [];
  };
  /** Delivers the messages that waited, in order. */
  const catchUp = () => {
    const waiting = lagging ?? [];
    lagging = undefined;
    for (const deliver of waiting) deliver();
  };
  return { view, restore, stored: () => value, lag, catchUp };
}

function twoManagers() {
  const server = rotatingRefreshTokens();
  const fetchTokens = vi.fn(server.fetchTokens);
  const first: TokenSet = {
    accessToken: 'at-0',
    tokenType: 'Bearer',
    refreshToken: 'rt-0',
    expiresAt: NOW + LIFETIME,
  };
  const shared = sharedStorage(first);
  const make = () => {
    const tokens = new TokenManager({ fetchTokens, storage: shared.view(), clock, retry: false });
    managers.push(tokens);
    const events: TokenEvent[] = [];
    tokens.subscribe((event) => events.push(event));
    return { tokens, events };
  };
  const synced = (events: TokenEvent[]) =>
    events.flatMap((event) => (event.type === 'synced' ? [event.tokens.accessToken] : []));
  return { server, fetchTokens, shared, first, a: make(), b: make(), synced };
}

describe('two managers over one shared storage: an older set handed back', () => {
  it('is not adopted by the manager that only heard of the newer set, nor refreshed with its rotated-away token', async () => {
    const { server, shared, first, a, b, synced } = twoManagers();
    await Promise.all([a.tokens.ready(), b.tokens.ready()]);
    expect(await a.tokens.getAccessToken({ forceRefresh: true })).toBe('at-1');
    expect(b.tokens.peekTokens()?.accessToken).toBe('at-1'); // heard
    const second = shared.stored() as TokenSet;

    shared.restore(first);
    expect(await b.tokens.getAccessToken()).toBe('at-1');
    expect(await a.tokens.getAccessToken()).toBe('at-1');

    // Due: B refreshes with the newest refresh token it knows, and the write repairs storage.
    now += LIFETIME;
    expect(await b.tokens.getAccessToken()).toBe('at-2');
    expect(await a.tokens.getAccessToken()).toBe('at-2');
    shared.restore(second);
    expect(await b.tokens.getAccessToken()).toBe('at-2');
    expect(await a.tokens.getAccessToken()).toBe('at-2');

    expect(server.requests).toEqual([{ refreshToken: 'rt-0' }, { refreshToken: 'rt-1' }]);
    expect(synced(a.events)).toEqual(['at-2']);
    expect(synced(b.events)).toEqual(['at-1']);
    for (const { events } of [a, b]) {
      expect(events.map((event) => event.type)).not.toContain('session_expired');
      expect(events.map((event) => event.type)).not.toContain('refresh_failed');
    }
  });

  it('is not adopted after the manager refreshed from storage that held its own set', async () => {
    const { server, shared, first, a, b, synced } = twoManagers();
    await Promise.all([a.tokens.ready(), b.tokens.ready()]);
    await a.tokens.getAccessToken({ forceRefresh: true }); // A: rt-0 → rt-1, B hears it
    now += LIFETIME;
    // B reads storage, finds the set it heard of (its own now), and refreshes it.
    expect(await b.tokens.getAccessToken()).toBe('at-2');

    shared.restore(first);
    expect(await b.tokens.getAccessToken()).toBe('at-2');
    now += LIFETIME;
    expect(await b.tokens.getAccessToken()).toBe('at-3');

    expect(server.requests).toEqual([
      { refreshToken: 'rt-0' },
      { refreshToken: 'rt-1' },
      { refreshToken: 'rt-2' },
    ]);
    expect(synced(b.events)).toEqual(['at-1']);
    expect(synced(a.events)).toEqual(['at-2', 'at-3']);
  });

  it('after a sign-out elsewhere, the signed-out set is never served again, and a later sign-in works', async () => {
    const { fetchTokens, server, shared, a, b, synced } = twoManagers();
    await Promise.all([a.tokens.ready(), b.tokens.ready()]);
    await a.tokens.getAccessToken({ forceRefresh: true });
    const signedOut = shared.stored() as TokenSet;
    await a.tokens.clear();
    expect(b.events.at(-1)).toEqual({ type: 'cleared', reason: 'external' });

    shared.restore(signedOut); // the sign-out silently undone, unless refused
    expect(b.tokens.peekTokens()).toBeUndefined();
    expect(a.tokens.peekTokens()).toBeUndefined();
    await expect(b.tokens.getAccessToken()).rejects.toBeInstanceOf(LoginRequiredError);
    await expect(a.tokens.getAccessToken()).rejects.toBeInstanceOf(LoginRequiredError);
    now += LIFETIME;
    await expect(b.tokens.getAccessToken({ forceRefresh: true })).rejects.toBeInstanceOf(LoginRequiredError);
    expect(fetchTokens.mock.calls.map(([context]) => context.refreshToken)).toEqual([
      'rt-0',
      undefined,
      undefined,
      undefined,
    ]);
    expect(synced(b.events)).toEqual(['at-1']);
    expect(synced(a.events)).toEqual([]);

    // A legitimate sign-in in A reaches B as usual.
    await a.tokens.setTokens({ access_token: 'signed-in', refresh_token: 'rt-new', expires_in: 600 });
    expect(await b.tokens.getAccessToken()).toBe('signed-in');
    expect(synced(b.events)).toEqual(['at-1', 'signed-in']);
    expect(server.requests).toEqual([{ refreshToken: 'rt-0' }]);
  });

  it('a newer set heard late, after the manager read an even newer one, does not make it refuse that one', async () => {
    const { server, shared, a, b } = twoManagers();
    await Promise.all([a.tokens.ready(), b.tokens.ready()]);
    shared.lag();
    now += LIFETIME - 1_000; // B's at-0 is due
    await a.tokens.getAccessToken({ forceRefresh: true }); // at-1
    await a.tokens.getAccessToken({ forceRefresh: true }); // at-2
    // B reads storage at its refresh and adopts the fresh at-2; then both messages arrive, at-1 first.
    expect(await b.tokens.getAccessToken()).toBe('at-2');
    shared.catchUp();
    await Promise.resolve();
    expect(b.tokens.peekTokens()?.accessToken).toBe('at-2');

    now += LIFETIME;
    expect(await b.tokens.getAccessToken()).toBe('at-3');
    expect(server.requests).toEqual([
      { refreshToken: 'rt-0' },
      { refreshToken: 'rt-1' },
      { refreshToken: 'rt-2' },
    ]);
  });
});
