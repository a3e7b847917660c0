import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeLockManager } from '../../test/fixtures/fake-lock-manager.js';
import { manualChannels } from '../../test/fixtures/manual-channels.js';
import type { TokenEvent } from '../events.js';
import type { TokenStorage } from '../storage/token-storage.js';
import { TokenManager } from '../token-manager.js';
import type { TokenSet } from '../token-set.js';
import { crossTab } from './cross-tab.js';

/**
 * One store shared by every tab (an IndexedDB database, a remote store), without change events: the
 * tabs hear of each other's writes through the BroadcastChannel only. The next `set` the test holds
 * (`holdNext()`) lands when `releaseHeld()` is called, as a stalled transaction does.
 */
function sharedSlowStore() {
  let value: TokenSet | undefined;
  let hold = false;
  const held: Array<() => void> = [];
  const calls = { set: 0, remove: 0 };
  const storage = (): TokenStorage => ({
    get: () => value,
    set: (tokens) => {
      calls.set += 1;
      if (!hold) {
        value = tokens;
        return;
      }
      hold = false;
      return new Promise<void>((resolve) =>
        held.push(() => {
          value = tokens;
          resolve();
        }),
      );
    },
    remove: () => {
      calls.remove += 1;
      value = undefined;
    },
  });
  return {
    storage,
    calls,
    value: () => value?.accessToken,
    holdNext: () => {
      hold = true;
    },
    releaseHeld: () => {
      for (const land of held.splice(0)) land();
    },
  };
}

const managers: TokenManager[] = [];
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const settle = async () => {
  for (let i = 0; i < 10; i++) await tick();
};

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  for (const manager of managers.splice(0)) manager.dispose();
  vi.useRealTimers();
});

function tabs() {
  const store = sharedSlowStore();
  const channels = manualChannels();
  const locks = fakeLockManager().locks;
  const fetchTokens = vi.fn(async () => ({ access_token: 'refreshed', expires_in: 600 }));
  const open = () => {
    const manager = new TokenManager({
      fetchTokens,
      storage: store.storage(),
      retry: false,
      timeout: 5_000,
      crossTab: crossTab({ name: 'late', locks, BroadcastChannel: channels.BroadcastChannel }),
    });
    managers.push(manager);
    const events: TokenEvent[] = [];
    manager.subscribe((event) => events.push(event));
    return { manager, events };
  };
  /** What a new tab (a reload) loads. */
  const reload = async () => (await open().manager.ready())?.accessToken;
  return { store, channels, fetchTokens, a: open(), b: open(), reload };
}

/** Tab A stores `signed-in`; the write stalls past `timeout` and is still pending underneath. */
async function stalledSignIn(store: ReturnType<typeof sharedSlowStore>, a: TokenManager): Promise<void> {
  await a.ready();
  store.holdNext();
  const setting = a.setTokens({ access_token: 'signed-in', refresh_token: 'rt-1', expires_in: 600 });
  await vi.advanceTimersByTimeAsync(5_000);
  await setting;
}

describe('a write that timed out in one tab and lands after another tab changed the session', () => {
  it('keeps a sign-out made in another tab: the removal is written again, and a reload is signed out', async () => {
    const { store, channels, fetchTokens, a, b, reload } = tabs();
    await b.manager.ready();
    await stalledSignIn(store, a.manager);
    await b.manager.clear(); // B signs out: storage emptied, removal broadcast
    channels.flush();
    expect(a.manager.peekTokens()).toBeUndefined();

    store.releaseHeld(); // A's `signed-in` lands now, after the sign-out
    await settle();
    channels.flush();
    await settle();

    expect(store.value()).toBeUndefined();
    expect(store.calls.remove).toBe(2);
    expect(a.manager.peekTokens()).toBeUndefined();
    expect(b.manager.peekTokens()).toBeUndefined();
    expect(b.events.map((event) => event.type)).toEqual(['loaded', 'cleared']);
    expect(await reload()).toBeUndefined();
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps a sign-in made in another tab after its sign-out: that set is written again', async () => {
    const { store, channels, fetchTokens, a, b, reload } = tabs();
    await b.manager.ready();
    await stalledSignIn(store, a.manager);
    await b.manager.clear();
    await b.manager.setTokens({ access_token: 'signed-in-again', refresh_token: 'rt-2', expires_in: 600 });
    channels.flush();
    expect(a.manager.peekTokens()?.accessToken).toBe('signed-in-again');

    store.releaseHeld();
    await settle();
    channels.flush();
    await settle();

    expect(store.value()).toBe('signed-in-again');
    expect(a.manager.peekTokens()?.accessToken).toBe('signed-in-again');
    expect(b.manager.peekTokens()?.accessToken).toBe('signed-in-again');
    expect(b.events.map((event) => event.type)).toEqual(['loaded', 'cleared', 'tokens_set']);
    expect(await reload()).toBe('signed-in-again');
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps a sign-out made in another tab when the write of a refresh timed out and lands after it', async () => {
    const { store, channels, fetchTokens, a, b, reload } = tabs();
    await b.manager.ready();
    await a.manager.setTokens({ access_token: 'due', refresh_token: 'rt-1', expires_in: 0 });
    channels.flush();
    store.holdNext();
    const callers = Array.from({ length: 200 }, () => a.manager.getAccessToken());
    await vi.advanceTimersByTimeAsync(5_000); // the write of the new set timed out
    expect(await Promise.all(callers)).toEqual(Array(200).fill('refreshed'));
    await b.manager.clear();
    channels.flush();

    store.releaseHeld();
    await settle();
    channels.flush();
    await settle();

    expect(store.value()).toBeUndefined();
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(a.manager.peekTokens()).toBeUndefined();
    expect(b.manager.peekTokens()).toBeUndefined();
    expect(b.events.map((event) => event.type)).toEqual(['loaded', 'synced', 'cleared']);
    expect(await reload()).toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('is published once when nothing changed meanwhile: the other tab adopts it', async () => {
    const { store, channels, a, b } = tabs();
    await b.manager.ready();
    await stalledSignIn(store, a.manager);

    store.releaseHeld();
    await settle();
    channels.flush();
    await settle();

    expect(store.value()).toBe('signed-in');
    expect(store.calls.set).toBe(1);
    expect(b.manager.peekTokens()?.accessToken).toBe('signed-in');
    expect(b.events.map((event) => event.type)).toEqual(['loaded', 'synced']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
