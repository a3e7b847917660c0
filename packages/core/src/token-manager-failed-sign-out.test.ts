import { afterEach, describe, expect, it, vi } from 'vitest';
import { DisposedError } from './errors/disposed-error.js';
import { LoginRequiredError } from './errors/login-required-error.js';
import { OAuthError } from './errors/oauth-error.js';
import type { TokenEvent } from './events.js';
import type { TokenStorage } from './storage/token-storage.js';
import { TokenManager } from './token-manager.js';
import type { FetchTokens } from './token-manager-options.js';
import type { TokenSet } from './token-set.js';

// A sign-out whose `storage.remove` fails leaves the set in storage. The manager that cleared it
// never serves it again, nor sends its refresh token (decision 0007, "a set it cleared").

const NOW = 1_700_000_000_000;
let now = NOW;
const clock = () => now;

const managers: TokenManager[] = [];
afterEach(() => {
  for (const created of managers.splice(0)) created.dispose();
  now = NOW;
});

/** A storage holding `stored` whose `remove` rejects (a store that is down, an IndexedDB closing). */
function unremovable(stored: TokenSet) {
  let value: TokenSet | undefined = stored;
  return {
    get: vi.fn(() => value),
    set: vi.fn((tokens: TokenSet) => {
      value = tokens;
    }),
    remove: vi.fn(() => Promise.reject(new Error('store is down'))),
  } satisfies TokenStorage;
}

/** What `refreshTokenGrant` does: `LoginRequiredError` without a refresh token, else a new set (or `refuse`). */
function grant(refuse?: OAuthError) {
  let issued = 0;
  return vi.fn<FetchTokens>(async ({ refreshToken }) => {
    if (!refreshToken) throw new LoginRequiredError();
    if (refuse) throw refuse;
    issued += 1;
    return { access_token: `at-${issued}`, refresh_token: `rt-${issued}`, expires_in: 3600 };
  });
}

function signedIn(storage: TokenStorage, fetchTokens: FetchTokens) {
  const tokens = new TokenManager({ fetchTokens, storage, clock, retry: false });
  managers.push(tokens);
  const events: TokenEvent[] = [];
  tokens.subscribe((event) => events.push(event));
  return { tokens, events };
}

const storedSet = (expiresAt: number): TokenSet => ({
  accessToken: 'at-0',
  refreshToken: 'rt-0',
  tokenType: 'Bearer',
  expiresAt,
});

describe('clear() when storage.remove fails', () => {
  it('never serves the cleared access token again: the next call rejects with LoginRequiredError', async () => {
    const storage = unremovable(storedSet(NOW + 3_600_000));
    const fetchTokens = grant();
    const { tokens, events } = signedIn(storage, fetchTokens);
    expect(await tokens.getAccessToken()).toBe('at-0');

    await expect(tokens.clear()).resolves.toBeUndefined();
    expect(storage.remove).toHaveBeenCalledTimes(1);
    expect(events.slice(1).map((event) => [event.type, 'operation' in event && event.operation])).toEqual([
      ['storage_error', 'remove'],
      ['cleared', false],
    ]);

    await expect(tokens.getAccessToken()).rejects.toBeInstanceOf(LoginRequiredError);
    await expect(tokens.getAccessToken({ forceRefresh: true })).rejects.toBeInstanceOf(LoginRequiredError);
    expect(fetchTokens.mock.calls.map(([context]) => context.refreshToken)).toEqual([undefined, undefined]);
    expect(tokens.peekTokens()).toBeUndefined();
    expect(events.some((event) => event.type === 'synced')).toBe(false);
  });

  it('never sends the cleared refresh token once the cleared set is due', async () => {
    const storage = unremovable(storedSet(NOW + 3_600_000));
    const fetchTokens = grant();
    const { tokens } = signedIn(storage, fetchTokens);
    await tokens.getAccessToken();
    await tokens.clear();

    now += 3_600_000;
    await expect(tokens.getAccessToken()).rejects.toBeInstanceOf(LoginRequiredError);
    expect(fetchTokens.mock.calls.map(([context]) => context.refreshToken)).toEqual([undefined]);
  });

  it('serves the next sign-in as usual', async () => {
    const storage = unremovable(storedSet(NOW + 3_600_000));
    const fetchTokens = grant();
    const { tokens } = signedIn(storage, fetchTokens);
    await tokens.getAccessToken();
    await tokens.clear();

    await tokens.setTokens({ access_token: 'signed-in-again', refresh_token: 'rt-new', expires_in: 3600 });
    expect(await tokens.getAccessToken()).toBe('signed-in-again');
    now += 3_600_000;
    expect(await tokens.getAccessToken()).toBe('at-1');
    expect(fetchTokens.mock.calls.map(([context]) => context.refreshToken)).toEqual(['rt-new']);
  });

  it('sends the refused refresh token once when the session ended and the removal failed', async () => {
    const storage = unremovable(storedSet(NOW + 3_600_000));
    const refusal = new OAuthError({ error: 'invalid_grant', status: 400 }, 'POST /token');
    const fetchTokens = grant(refusal);
    const { tokens, events } = signedIn(storage, fetchTokens);
    await tokens.getAccessToken();
    now += 3_600_000;

    await expect(tokens.getAccessToken()).rejects.toBe(refusal);
    expect(events.filter((event) => event.type === 'session_expired')).toHaveLength(1);
    const next = tokens.getAccessToken();
    await expect(next).rejects.toBeInstanceOf(LoginRequiredError);
    await expect(next).rejects.toHaveProperty('cause', refusal);
    expect(fetchTokens.mock.calls.map(([context]) => context.refreshToken)).toEqual(['rt-0', undefined]);
    expect(events.filter((event) => event.type === 'session_expired')).toHaveLength(1);
  });
});

/** A storage holding `stored` whose first `remove` rejects; later ones succeed (a store briefly down). */
function removableOnRetry(stored: TokenSet) {
  let value: TokenSet | undefined = stored;
  let removals = 0;
  return {
    get: vi.fn(() => value),
    set: vi.fn((tokens: TokenSet) => {
      value = tokens;
    }),
    remove: vi.fn(async () => {
      removals += 1;
      if (removals === 1) throw new Error('store is down');
      value = undefined;
    }),
  } satisfies TokenStorage;
}

describe('clear() when storage.remove fails once', () => {
  it('removes the set at the next storage call: a reload then loads no session', async () => {
    const storage = removableOnRetry(storedSet(NOW + 3_600_000));
    const fetchTokens = grant();
    const { tokens, events } = signedIn(storage, fetchTokens);
    await tokens.getAccessToken();
    await tokens.clear();
    expect(events.filter((event) => event.type === 'storage_error')).toHaveLength(1);

    await expect(tokens.getAccessToken()).rejects.toBeInstanceOf(LoginRequiredError);
    expect(storage.remove).toHaveBeenCalledTimes(2);

    const reloaded = signedIn(storage, fetchTokens).tokens;
    expect(await reloaded.ready()).toBeUndefined();
    await expect(reloaded.getAccessToken()).rejects.toBeInstanceOf(LoginRequiredError);
    expect(fetchTokens.mock.calls.map(([context]) => context.refreshToken)).toEqual([undefined, undefined]);
    expect(storage.remove).toHaveBeenCalledTimes(2);
  });

  it('removes the set at dispose() when no storage call came first', async () => {
    const storage = removableOnRetry(storedSet(NOW + 3_600_000));
    const { tokens } = signedIn(storage, grant());
    await tokens.getAccessToken();
    await tokens.clear();

    tokens.dispose();
    const reloaded = signedIn(storage, grant()).tokens;
    expect(await reloaded.ready()).toBeUndefined();
    expect(storage.remove).toHaveBeenCalledTimes(2);
  });

  it('removes nothing again once the user signed in after the failed removal', async () => {
    const storage = removableOnRetry(storedSet(NOW + 3_600_000));
    const { tokens } = signedIn(storage, grant());
    await tokens.getAccessToken();
    await tokens.clear();

    await tokens.setTokens({ access_token: 'signed-in-again', refresh_token: 'rt-new', expires_in: 3600 });
    tokens.dispose();
    const reloaded = signedIn(storage, grant()).tokens;
    expect((await reloaded.ready())?.accessToken).toBe('signed-in-again');
    expect(storage.remove).toHaveBeenCalledTimes(1);
  });

  it('removes the set of a session the server ended at the next storage call', async () => {
    const storage = removableOnRetry(storedSet(NOW + 3_600_000));
    const refusal = new OAuthError({ error: 'invalid_grant', status: 400 }, 'POST /token');
    const fetchTokens = grant(refusal);
    const { tokens } = signedIn(storage, fetchTokens);
    await tokens.getAccessToken();
    now += 3_600_000;
    await expect(tokens.getAccessToken()).rejects.toBe(refusal);

    await expect(tokens.getAccessToken()).rejects.toBeInstanceOf(LoginRequiredError);
    const reloaded = signedIn(storage, fetchTokens).tokens;
    expect(await reloaded.ready()).toBeUndefined();
    expect(fetchTokens.mock.calls.map(([context]) => context.refreshToken)).toEqual(['rt-0', undefined]);
    expect(storage.remove).toHaveBeenCalledTimes(2);
  });
});

/** A storage holding `stored` whose removals answer when the test says: `fail()` or `succeed()` the next one. */
function heldRemovals(stored: TokenSet) {
  let value: TokenSet | undefined = stored;
  const pending: { resolve: () => void; reject: (error: Error) => void }[] = [];
  const storage = {
    get: vi.fn(() => value),
    set: vi.fn((tokens: TokenSet) => {
      value = tokens;
    }),
    remove: vi.fn(
      () =>
        new Promise<void>((resolve, reject) => {
          pending.push({
            resolve: () => {
              value = undefined;
              resolve();
            },
            reject,
          });
        }),
    ),
  } satisfies TokenStorage;
  return {
    storage,
    fail: () => pending.shift()?.reject(new Error('store is down')),
    succeed: () => pending.shift()?.resolve(),
  };
}

describe('sign-out, then dispose() (an app unmounting)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs a removal still running at dispose() again when it then fails: a reload loads no session', async () => {
    vi.useFakeTimers();
    const held = heldRemovals(storedSet(NOW + 3_600_000));
    const { tokens, events } = signedIn(held.storage, grant());
    await tokens.getAccessToken();
    const clearing = tokens.clear();
    clearing.catch(() => {});
    await vi.advanceTimersByTimeAsync(0);
    expect(held.storage.remove).toHaveBeenCalledTimes(1);

    tokens.dispose();
    await expect(clearing).rejects.toBeInstanceOf(DisposedError);
    held.fail();
    await vi.advanceTimersByTimeAsync(0);
    expect(held.storage.remove).toHaveBeenCalledTimes(2);
    held.succeed();
    await vi.advanceTimersByTimeAsync(0);

    expect(await signedIn(held.storage, grant()).tokens.ready()).toBeUndefined();
    expect(held.storage.remove).toHaveBeenCalledTimes(2);
    expect(events.filter((event) => event.type === 'storage_error')).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('resolves a clear() queued behind a write still running at dispose(), and removes the set (only a running removal rejects)', async () => {
    let value: TokenSet | undefined;
    let land!: () => void;
    const storage = {
      get: vi.fn(() => value),
      set: vi.fn(
        (tokens: TokenSet) =>
          new Promise<void>((resolve) => {
            land = () => {
              value = tokens;
              resolve();
            };
          }),
      ),
      remove: vi.fn(() => {
        value = undefined;
      }),
    } satisfies TokenStorage;
    const { tokens } = signedIn(storage, grant());
    await tokens.ready();
    const setting = tokens.setTokens({ access_token: 'at-1', refresh_token: 'rt-1' });
    setting.catch(() => {});
    await vi.waitFor(() => expect(storage.set).toHaveBeenCalledTimes(1));
    const clearing = tokens.clear();
    tokens.dispose();
    await expect(setting).rejects.toBeInstanceOf(DisposedError);
    await expect(clearing).resolves.toBeUndefined();
    land();
    await vi.waitFor(() => expect(value).toBeUndefined());
    expect(storage.remove).toHaveBeenCalled();
  });

  it('removes once when the removal still running at dispose() succeeds', async () => {
    vi.useFakeTimers();
    const held = heldRemovals(storedSet(NOW + 3_600_000));
    const { tokens } = signedIn(held.storage, grant());
    await tokens.getAccessToken();
    tokens.clear().catch(() => {});
    await vi.advanceTimersByTimeAsync(0);

    tokens.dispose();
    held.succeed();
    await vi.advanceTimersByTimeAsync(0);

    expect(held.storage.remove).toHaveBeenCalledTimes(1);
    expect(await signedIn(held.storage, grant()).tokens.ready()).toBeUndefined();
  });

  it('reports the last removal that fails after dispose() as storage_error, then drops the listeners', async () => {
    vi.useFakeTimers();
    const storage = unremovable(storedSet(NOW + 3_600_000));
    const { tokens, events } = signedIn(storage, grant());
    await tokens.getAccessToken();
    await tokens.clear();
    events.length = 0;

    tokens.dispose();
    await vi.advanceTimersByTimeAsync(0);
    expect(storage.remove).toHaveBeenCalledTimes(2);
    expect(events.map((event) => [event.type, 'operation' in event && event.operation])).toEqual([
      ['storage_error', 'remove'],
    ]);

    await tokens.clear(); // listeners are gone: nothing more is heard
    expect(events).toHaveLength(1);
  });

  it('reports the removal still running at dispose() when it fails there again', async () => {
    vi.useFakeTimers();
    const held = heldRemovals(storedSet(NOW + 3_600_000));
    const { tokens, events } = signedIn(held.storage, grant());
    await tokens.getAccessToken();
    tokens.clear().catch(() => {});
    await vi.advanceTimersByTimeAsync(0);

    tokens.dispose();
    held.fail();
    await vi.advanceTimersByTimeAsync(0);
    held.fail();
    await vi.advanceTimersByTimeAsync(0);

    expect(held.storage.remove).toHaveBeenCalledTimes(2);
    expect(events.filter((event) => event.type === 'storage_error')).toHaveLength(1);
  });
});

describe('setTokens() after dispose()', () => {
  it('rejects with DisposedError and stores nothing: a disposed manager signs no one in', async () => {
    const storage = unremovable(storedSet(NOW + 3_600_000));
    storage.get.mockReturnValue(undefined);
    const { tokens, events } = signedIn(storage, grant());
    tokens.dispose();

    await expect(tokens.setTokens({ access_token: 'late', refresh_token: 'rt-late' })).rejects.toBeInstanceOf(
      DisposedError,
    );
    expect(storage.set).not.toHaveBeenCalled();
    expect(tokens.peekTokens()).toBeUndefined();
    expect(events).toEqual([]);
  });
});
