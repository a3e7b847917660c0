import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeStorageArea as fakeStorage } from '../../test/fixtures/fake-storage-area.js';
import { rotatingRefreshTokens } from '../../test/fixtures/rotating-refresh-tokens.js';
import { LoginRequiredError } from '../errors/login-required-error.js';
import type { TokenEvent } from '../events.js';
import { TokenManager } from '../token-manager.js';
import type { FetchTokens } from '../token-manager-options.js';
import { webStorage } from './web-storage.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('webStorage', () => {
  it('stores the token set as JSON under the key and reads it back in a new manager', async () => {
    const area = fakeStorage();
    const first = new TokenManager({
      fetchTokens: async () => ({ access_token: 'a', expires_in: 600 }),
      storage: webStorage(area, { key: 'app' }),
    });
    await first.getAccessToken();
    expect(JSON.parse(area.getItem('app') ?? '{}')).toMatchObject({ accessToken: 'a', tokenType: 'Bearer' });

    const fetchTokens = vi.fn(async () => ({ access_token: 'b' }));
    const second = new TokenManager({ fetchTokens, storage: webStorage(area, { key: 'app' }) });
    expect(await second.getAccessToken()).toBe('a');
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('treats invalid JSON under the key as empty instead of throwing', async () => {
    const area = fakeStorage();
    area.setItem('tessera.tokens', '{not json');
    const tokens = new TokenManager({
      fetchTokens: async () => ({ access_token: 'fresh' }),
      storage: webStorage(area),
    });
    const errors: string[] = [];
    tokens.subscribe((event) => event.type === 'storage_error' && errors.push(event.operation));
    expect(await tokens.getAccessToken()).toBe('fresh');
    // Read once on load and once more inside the refresh (which re-reads storage before requesting).
    expect(errors).toEqual(['get', 'get']);
    expect(JSON.parse(area.getItem('tessera.tokens') ?? '{}').accessToken).toBe('fresh');
  });

  it('reports a value that is not JSON without any part of it: no piece of a stored token in storage_error', async () => {
    const area = fakeStorage();
    const tokens = new TokenManager({
      fetchTokens: async () => ({ access_token: 'fresh' }),
      storage: webStorage(area),
    });
    const errors: string[] = [];
    tokens.subscribe((event) => {
      if (event.type === 'storage_error')
        errors.push(`${String(event.error)} ${JSON.stringify(event.error)}`);
    });
    // What an older version of an app might have left there: V8's SyntaxError quotes ~10 characters around the fault.
    area.setItem('tessera.tokens', 'opaqueAccessToken123');
    await tokens.ready();
    area.setItem('tessera.tokens', '{"accessToken":opaqueAccessToken123}');
    await tokens.getAccessToken();

    expect(errors).toHaveLength(2);
    expect(errors.join(' ')).not.toMatch(/opaque|Token123/);
  });

  it('removes the key on clear', async () => {
    const area = fakeStorage();
    const tokens = new TokenManager({
      fetchTokens: async () => ({ access_token: 'a' }),
      storage: webStorage(area),
    });
    await tokens.getAccessToken();
    await tokens.clear();
    expect(area.getItem('tessera.tokens')).toBeNull();
  });

  it('reports changes made by other tabs through storage events, and stops listening on dispose', async () => {
    const area = fakeStorage();
    const target = new EventTarget();
    vi.stubGlobal('window', target);
    const tokens = new TokenManager({
      fetchTokens: async () => ({ access_token: 'mine' }),
      storage: webStorage(area),
    });
    await tokens.getAccessToken();
    const event = (newValue: string | null) =>
      Object.assign(new Event('storage'), { storageArea: area, key: 'tessera.tokens', newValue });
    target.dispatchEvent(event(JSON.stringify({ accessToken: 'other-tab', tokenType: 'Bearer' })));
    expect(await tokens.getAccessToken()).toBe('other-tab');
    target.dispatchEvent(event(null));
    expect(tokens.peekTokens()).toBeUndefined();
    tokens.dispose();
    target.dispatchEvent(event(JSON.stringify({ accessToken: 'after-dispose', tokenType: 'Bearer' })));
    expect(tokens.peekTokens()).toBeUndefined();
  });

  it('reports invalid JSON in a storage event as storage_error and keeps the session, as a wrong shape', async () => {
    const area = fakeStorage();
    const target = new EventTarget();
    vi.stubGlobal('window', target);
    const manager = new TokenManager({
      fetchTokens: async () => ({ access_token: 'mine', expires_in: 600 }),
      storage: webStorage(area),
      clock: () => 1_700_000_000_000,
    });
    await manager.getAccessToken();
    const events: string[] = [];
    manager.subscribe((event) => events.push(event.type));
    const storageEvent = (newValue: string) =>
      Object.assign(new Event('storage'), { storageArea: area, key: 'tessera.tokens', newValue });
    target.dispatchEvent(storageEvent('{"foo":1}'));
    target.dispatchEvent(storageEvent('{"accessToken":"x"'));

    expect(events).toEqual(['storage_error', 'storage_error']);
    expect(manager.peekTokens()?.accessToken).toBe('mine');
    manager.dispose();
  });
});

describe('webStorage without crossTab when storing a refreshed set fails (a full localStorage)', () => {
  const now = 1_700_000_000_000;
  const stored = JSON.stringify({
    accessToken: 'at-0',
    tokenType: 'Bearer',
    refreshToken: 'rt-0',
    expiresAt: now - 1000,
  });

  /** An area holding a due set whose later writes all throw, as Chromium's past its quota; `put` still writes (another tab). */
  function fullArea() {
    const area = fakeStorage();
    area.setItem('tessera.tokens', stored);
    const put = area.setItem.bind(area);
    area.setItem = () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
    return { area, put };
  }
  function manager(fetchTokens: FetchTokens, area: Storage) {
    const tokens = new TokenManager({
      fetchTokens,
      storage: webStorage(area),
      clock: () => now,
      retry: false,
    });
    const events: TokenEvent[] = [];
    tokens.subscribe((event) => events.push(event));
    return { tokens, events };
  }

  it('removes the set it replaced: a reload starts signed out instead of refreshing with the spent refresh token', async () => {
    const server = rotatingRefreshTokens();
    const { area } = fullArea();
    const first = manager(server.fetchTokens, area);

    expect(await first.tokens.getAccessToken()).toBe('at-1');
    expect(first.events.filter((event) => event.type === 'storage_error')).toMatchObject([
      { operation: 'set', error: { name: 'QuotaExceededError' } },
    ]);
    expect(area.getItem('tessera.tokens')).toBeNull();
    // The new set is kept in memory: this page goes on with it.
    expect(first.tokens.peekTokens()).toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-1' });
    first.tokens.dispose();

    const reloaded = manager(server.fetchTokens, area);
    await expect(reloaded.tokens.getAccessToken()).rejects.toBeInstanceOf(LoginRequiredError);
    expect(server.requests).toEqual([{ refreshToken: 'rt-0' }]);
    reloaded.tokens.dispose();
  });

  it('leaves a set another tab stored while the refresh was in flight', async () => {
    const server = rotatingRefreshTokens();
    const { area, put } = fullArea();
    const theirs = JSON.stringify({ accessToken: 'at-x', tokenType: 'Bearer', refreshToken: 'rt-x' });
    const fetchTokens: FetchTokens = async (request) => {
      put('tessera.tokens', theirs);
      return server.fetchTokens(request);
    };
    const first = manager(fetchTokens, area);

    expect(await first.tokens.getAccessToken()).toBe('at-1');
    expect(area.getItem('tessera.tokens')).toBe(theirs);
    first.tokens.dispose();
  });
});
