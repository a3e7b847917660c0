import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryStorage } from '../storage/memory-storage.js';
import type { TokenStorage } from '../storage/token-storage.js';
import type { TokenSet } from '../token-set.js';
import { broadcastStorage } from './broadcast-storage.js';
import type { WriteMarkers } from './write-markers.js';

const set = (accessToken: string, refreshToken: string): TokenSet => ({
  accessToken,
  tokenType: 'Bearer',
  refreshToken,
});

/** A channel the test delivers to synchronously: which message arrived when is the test's choice. */
function channelSpy() {
  const opened: { onmessage: ((event: MessageEvent) => void) | null }[] = [];
  class Channel {
    onmessage: ((event: MessageEvent) => void) | null = null;
    constructor() {
      opened.push(this);
    }
    postMessage() {}
    close() {}
  }
  const deliver = (data: unknown) => opened.at(-1)?.onmessage?.({ data } as MessageEvent);
  return { BroadcastChannel: Channel as unknown as typeof BroadcastChannel, deliver };
}

/** Markers whose live ids the test pushes to: a write another tab announced. */
function markersOf(live: string[]): WriteMarkers {
  return { mark: async () => {}, live: async () => [...live], release: () => {} };
}

/** A localStorage-like storage (one other tabs write) whose `storage` events the test fires. */
function reportingStorage(inner = memoryStorage()) {
  const events: { report?: ((value: unknown) => void) | undefined } = {};
  const storage: TokenStorage = {
    ...inner,
    subscribe: (onChange) => {
      events.report = onChange;
      return () => {
        events.report = undefined;
      };
    },
  };
  return { inner, storage, fire: (value: unknown) => events.report?.(value) };
}

function wrap(inner: TokenStorage, live: string[] = [], catchUpTimeout = 1_000) {
  const { BroadcastChannel, deliver } = channelSpy();
  const storage = broadcastStorage(inner, {
    channel: 'keyless',
    key: 'tessera',
    BroadcastChannel,
    markers: markersOf(live),
    catchUpTimeout,
  });
  const unsubscribe = storage.subscribe?.(() => {}) ?? (() => {});
  return { storage, deliver, unsubscribe };
}

/** Lets every promise chain run, without moving the fake clock. */
const flush = () => new Promise((resolve) => setImmediate(resolve));

/** Whether `read` settled once the microtasks ran. */
async function settled(read: unknown): Promise<boolean> {
  let done = false;
  void Promise.resolve(read).then(
    () => (done = true),
    () => (done = true),
  );
  await flush();
  return done;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('broadcastStorage waits for the storage event of a keyless message’s set (decision 0605, stop 38)', () => {
  it('answers as soon as the storage event of the announced set arrives, not when the wait gives up', async () => {
    const { inner, storage: reporting, fire } = reportingStorage();
    await inner.set(set('at-1', 'rt-1'));
    const { storage, deliver } = wrap(reporting);
    deliver({ type: 'set', tokens: set('at-2', 'rt-2'), id: 'w-2' });

    const read = storage.get();
    expect(await settled(read)).toBe(false);
    await inner.set(set('at-2', 'rt-2'));
    fire(set('at-2', 'rt-2'));

    expect(await settled(read)).toBe(true);
    expect(await read).toEqual(set('at-2', 'rt-2'));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('waits for a keyless removal’s storage event (null) and then reads no set', async () => {
    const { inner, storage: reporting, fire } = reportingStorage();
    await inner.set(set('at-1', 'rt-1'));
    const { storage, deliver } = wrap(reporting);
    deliver({ type: 'remove', id: 'w-r' });

    const read = storage.get();
    expect(await settled(read)).toBe(false);
    await inner.remove();
    fire(null);

    expect(await settled(read)).toBe(true);
    expect((await read) ?? undefined).toBeUndefined();
  });

  it('does not wait after a keyless message whose set has no access token (not a message of ours)', async () => {
    const { inner, storage: reporting } = reportingStorage();
    await inner.set(set('at-1', 'rt-1'));
    const { storage, deliver } = wrap(reporting);
    deliver({ type: 'set', tokens: { tokenType: 'Bearer', refreshToken: 'rt-x' }, id: 'w-x' });

    const read = storage.get();
    expect(await settled(read)).toBe(true);
    expect(await read).toEqual(set('at-1', 'rt-1'));
  });

  it('after two keyless messages, keeps waiting past the first set’s storage event until the second’s', async () => {
    const { inner, storage: reporting, fire } = reportingStorage();
    await inner.set(set('at-1', 'rt-1'));
    const { storage, deliver } = wrap(reporting);
    deliver({ type: 'set', tokens: set('at-2', 'rt-2'), id: 'w-2' });
    deliver({ type: 'set', tokens: set('at-3', 'rt-3'), id: 'w-3' });

    const read = storage.get();
    expect(await settled(read)).toBe(false);
    // Chromium fires one `storage` event per write: the first one's arrives, with its value.
    await inner.set(set('at-2', 'rt-2'));
    fire(set('at-2', 'rt-2'));
    expect(await settled(read)).toBe(false);
    await inner.set(set('at-3', 'rt-3'));
    fire(set('at-3', 'rt-3'));

    expect(await settled(read)).toBe(true);
    expect(await read).toEqual(set('at-3', 'rt-3'));
  });

  it('reads at once when the storage event of the set came twice, both before the message', async () => {
    const { inner, storage: reporting, fire } = reportingStorage();
    const { storage, deliver } = wrap(reporting);
    await inner.set(set('at-2', 'rt-2'));
    fire(set('at-2', 'rt-2'));
    fire(set('at-2', 'rt-2'));
    deliver({ type: 'set', tokens: set('at-2', 'rt-2'), id: 'w-2' });

    const read = storage.get();
    expect(await settled(read)).toBe(true);
    expect(await read).toEqual(set('at-2', 'rt-2'));
  });

  it('gives up after catchUpTimeout when the storage event never comes, and the next get() answers at once', async () => {
    const { inner, storage: reporting } = reportingStorage();
    await inner.set(set('at-1', 'rt-1'));
    const { storage, deliver } = wrap(reporting);
    deliver({ type: 'set', tokens: set('at-2', 'rt-2'), id: 'w-2' });

    const read = storage.get();
    await vi.advanceTimersByTimeAsync(999);
    expect(await settled(read)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await read).toEqual(set('at-1', 'rt-1'));

    const again = storage.get();
    expect(await settled(again)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('with catchUpTimeout 0 (crossTab({ lockTimeout: 0 })) gives up on the next timer tick', async () => {
    const { inner, storage: reporting } = reportingStorage();
    await inner.set(set('at-1', 'rt-1'));
    const { storage, deliver } = wrap(reporting, [], 0);
    deliver({ type: 'set', tokens: set('at-2', 'rt-2'), id: 'w-2' });

    const read = storage.get();
    await vi.advanceTimersByTimeAsync(0);
    expect(await read).toEqual(set('at-1', 'rt-1'));
  });

  it('never waits after a keyless message with a storage other tabs cannot write (no subscribe)', async () => {
    const inner = memoryStorage();
    await inner.set(set('at-1', 'rt-1'));
    const { storage, deliver } = wrap(inner);
    deliver({ type: 'set', tokens: set('at-2', 'rt-2'), id: 'w-2', key: 'tessera' });
    deliver({ type: 'set', tokens: set('at-old', 'rt-old'), id: 'w-old' });

    const read = storage.get();
    expect(await settled(read)).toBe(true);
    expect(await read).toEqual(set('at-2', 'rt-2'));
  });

  it('clears the wait’s timer on dispose (the last unsubscribe) and answers the waiting get()', async () => {
    const { inner, storage: reporting } = reportingStorage();
    await inner.set(set('at-1', 'rt-1'));
    const { storage, deliver, unsubscribe } = wrap(reporting);
    deliver({ type: 'set', tokens: set('at-2', 'rt-2'), id: 'w-2' });

    const read = storage.get();
    await flush();
    expect(vi.getTimerCount()).toBe(1);
    unsubscribe();

    expect(await settled(read)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('broadcastStorage reopened (a second subscribe after the last unsubscribe)', () => {
  it('waits once, at most catchUpTimeout, for a keyless set announced before it closed, and reads storage', async () => {
    const { inner, storage: reporting } = reportingStorage();
    await inner.set(set('at-1', 'rt-1'));
    const { storage, deliver, unsubscribe } = wrap(reporting);
    deliver({ type: 'set', tokens: set('at-2', 'rt-2'), id: 'w-2' });
    unsubscribe();
    await inner.set(set('at-2', 'rt-2')); // its storage event fired while closed: missed
    storage.subscribe?.(() => {});

    const read = storage.get();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await read).toEqual(set('at-2', 'rt-2'));
    expect(await settled(storage.get())).toBe(true);
  });
});

describe('broadcastStorage: storage events do not change the wait of a tab of this release (keyed messages)', () => {
  it('answers a get() at once when storage events arrive and nothing is announced', async () => {
    const { inner, storage: reporting, fire } = reportingStorage();
    const { storage } = wrap(reporting);
    await inner.set(set('at-2', 'rt-2'));
    fire(set('at-2', 'rt-2'));

    const read = storage.get();
    expect(await settled(read)).toBe(true);
    expect(await read).toEqual(set('at-2', 'rt-2'));
  });

  it('keeps waiting for an announced write’s message through a storage event, and answers on the message', async () => {
    const { inner, storage: reporting, fire } = reportingStorage();
    await inner.set(set('at-1', 'rt-1'));
    const live: string[] = [];
    const { storage, deliver } = wrap(reporting, live);
    await flush();
    live.push('w-2'); // announced after this tab opened

    const read = storage.get();
    await inner.set(set('at-2', 'rt-2'));
    fire(set('at-2', 'rt-2')); // the storage event came before the message
    expect(await settled(read)).toBe(false);
    deliver({ type: 'set', tokens: set('at-2', 'rt-2'), id: 'w-2', key: 'tessera' });

    expect(await settled(read)).toBe(true);
    expect(await read).toEqual(set('at-2', 'rt-2'));
  });
});
