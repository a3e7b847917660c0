import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeLockManager } from '../../test/fixtures/fake-lock-manager.js';
import { fakeStorageArea } from '../../test/fixtures/fake-storage-area.js';
import { type TrackedChannels, trackedChannels } from '../../test/fixtures/tracked-broadcast-channel.js';
import { memoryStorage } from '../storage/memory-storage.js';
import type { TokenStorage } from '../storage/token-storage.js';
import { webStorage } from '../storage/web-storage.js';
import type { TokenSet } from '../token-set.js';
import { broadcastStorage } from './broadcast-storage.js';
import { writeMarkers } from './write-markers.js';

const set = (accessToken: string): TokenSet => ({ accessToken, tokenType: 'Bearer', refreshToken: 'rt' });

let channels: TrackedChannels;
let name: string;
let testNumber = 0;
const peers: BroadcastChannel[] = [];

beforeEach(() => {
  channels = trackedChannels();
  testNumber += 1;
  name = `broadcast-storage-test-${testNumber}`;
});

afterEach(() => {
  for (const peer of peers.splice(0)) peer.close();
  channels.closeAll();
  vi.useRealTimers();
});

/** `broadcastStorage` over Node's real BroadcastChannel, with write markers when `locks` is given. */
function wrap(inner: TokenStorage, locks?: LockManager): TokenStorage {
  return broadcastStorage(inner, {
    channel: name,
    key: 'tessera',
    BroadcastChannel: channels.BroadcastChannel,
    markers: writeMarkers({ locks, prefix: `${name}/written/`, timeout: 1_000 }),
    catchUpTimeout: 1_000,
  });
}

/** Another tab's end of the channel: what it received, and a way to post (as a manager with the key `key`). */
function otherTab(key = 'tessera') {
  const peer = new BroadcastChannel(name);
  peers.push(peer);
  const received: unknown[] = [];
  peer.onmessage = (event) => received.push(event.data);
  const post = (message: unknown) =>
    peer.postMessage(typeof message === 'object' && message !== null ? { key, ...message } : message);
  return { post, received };
}

/** A storage shared between tabs whose own change reports (`storage` events) the test fires. */
function sharedStorage() {
  let report: ((value: unknown) => void) | undefined;
  const inner = memoryStorage();
  const stop = vi.fn();
  const storage: TokenStorage = {
    get: () => inner.get(),
    set: (tokens) => inner.set(tokens),
    remove: () => inner.remove(),
    subscribe: (onChange) => {
      report = onChange;
      return stop;
    },
  };
  return { storage, stop, storageEvent: (value: unknown) => report?.(value) };
}

function subscribeTo(storage: TokenStorage) {
  const changes: unknown[] = [];
  const unsubscribe = storage.subscribe!((value) => changes.push(value));
  return { changes, unsubscribe };
}

/** Holds a write marker as another tab does after storing a set. */
function announce(locks: LockManager, id: string): void {
  void locks.request(`${name}/written/${id}`, () => new Promise(() => {}));
}

const nextTask = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('broadcastStorage', () => {
  it('writes every set and removal to the storage, then posts it to the other tabs', async () => {
    const tab = otherTab();
    const inner = memoryStorage();
    const storage = wrap(inner);

    await storage.set(set('a'));
    expect(inner.get()).toEqual(set('a'));
    await storage.remove();
    expect(inner.get()).toBeUndefined();

    await vi.waitFor(() => expect(tab.received).toHaveLength(2));
    expect(tab.received).toEqual([
      { type: 'set', tokens: set('a'), id: expect.any(String), key: 'tessera' },
      { type: 'remove', id: expect.any(String), key: 'tessera' },
    ]);
    expect(channels.open()).toBe(0);
  });

  it("reports other tabs' sets and removals, and get() answers with the newest one", async () => {
    const tab = otherTab();
    const inner = memoryStorage();
    const storage = wrap(inner);
    const { changes } = subscribeTo(storage);

    tab.post({ type: 'set', tokens: set('a'), id: 'w1' });
    await vi.waitFor(() => expect(changes).toHaveLength(1));
    expect(changes).toEqual([set('a')]);
    expect(await storage.get()).toEqual(set('a'));
    expect(inner.get()).toBeUndefined();

    tab.post({ type: 'remove', id: 'w2' });
    await vi.waitFor(() => expect(changes).toHaveLength(2));
    expect(changes[1]).toBeNull();
    expect(await storage.get()).toBeNull();
  });

  it('reports a change once when the channel and a storage event both report it', async () => {
    const tab = otherTab();
    const shared = sharedStorage();
    const { changes } = subscribeTo(wrap(shared.storage));

    tab.post({ type: 'set', tokens: set('a'), id: 'w1' });
    tab.post({ type: 'set', tokens: set('b'), id: 'w2' });
    await vi.waitFor(() => expect(changes).toHaveLength(2));
    shared.storageEvent(set('a'));
    shared.storageEvent(set('b'));
    shared.storageEvent(null);
    tab.post({ type: 'remove', id: 'w3' });
    tab.post({ type: 'set', tokens: set('c'), id: 'w4' });
    await vi.waitFor(() => expect(changes).toHaveLength(4));

    expect(changes).toEqual([set('a'), set('b'), null, set('c')]);
  });

  it('ignores messages that are not announced token sets or removals', async () => {
    const tab = otherTab();
    const { changes } = subscribeTo(wrap(memoryStorage()));

    for (const message of [
      'hello',
      null,
      { type: 'set', tokens: set('no-id') },
      { type: 'set', id: 'w1' },
      { type: 'set', tokens: 'x', id: 'w2' },
      { type: 'hi', id: 'w3' },
    ]) {
      tab.post(message);
    }
    otherTab('billing').post({ type: 'set', tokens: set('another-key'), id: 'w5' });
    otherTab('billing').post({ type: 'remove', id: 'w6' });
    tab.post({ type: 'remove', id: 'w7', key: undefined }); // an older deploy, or not ours
    tab.post({ type: 'set', tokens: set('last'), id: 'w4' });
    await vi.waitFor(() => expect(changes).toHaveLength(1));

    expect(changes).toEqual([set('last')]);
  });

  it('waits in get() for a write another tab announced until its message arrives', async () => {
    const fake = fakeLockManager();
    const tab = otherTab();
    const storage = wrap(memoryStorage(), fake.locks);
    subscribeTo(storage);
    await storage.get();
    announce(fake.locks, 'w1');

    let answer: unknown = 'pending';
    const reading = Promise.resolve(storage.get()).then((value) => {
      answer = value;
    });
    await nextTask();
    expect(answer).toBe('pending');
    tab.post({ type: 'set', tokens: set('a'), id: 'w1' });
    await reading;

    expect(answer).toEqual(set('a'));
  });

  it('gives up waiting for an announced write after the catch-up timeout, once, and reads the storage', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const fake = fakeLockManager();
    const inner = memoryStorage();
    await inner.set(set('stored'));
    const storage = wrap(inner, fake.locks);
    subscribeTo(storage);
    await storage.get();
    announce(fake.locks, 'lost');

    let answer: unknown = 'pending';
    const reading = Promise.resolve(storage.get()).then((value) => {
      answer = value;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(answer).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    await reading;

    expect(answer).toEqual(set('stored'));
    expect(await storage.get()).toEqual(set('stored')); // a lost write is waited for once only
  });

  it('counts writes announced before it opened as already in storage', async () => {
    const fake = fakeLockManager();
    announce(fake.locks, 'before');
    const inner = memoryStorage();
    await inner.set(set('stored'));
    const storage = wrap(inner, fake.locks);
    subscribeTo(storage);

    expect(await storage.get()).toEqual(set('stored'));
  });

  it('announces only its latest write, and stops announcing when the last subscriber leaves', async () => {
    const fake = fakeLockManager();
    const storage = wrap(memoryStorage(), fake.locks);
    const { unsubscribe } = subscribeTo(storage);

    await storage.set(set('a'));
    const [first] = fake.held();
    await storage.set(set('b'));
    await nextTask();
    const held = fake.held();
    unsubscribe();
    await nextTask();

    expect(first).toMatch(new RegExp(`^${name}/written/`));
    expect(held).toHaveLength(1);
    expect(held[0]).not.toBe(first);
    expect(fake.held()).toEqual([]);
  });

  it('closes the channel and stops announcing even when the storage’s own unsubscribe throws', async () => {
    const fake = fakeLockManager();
    const inner: TokenStorage = {
      ...memoryStorage(),
      subscribe: () => () => {
        throw new Error('storage listener already gone');
      },
    };
    const storage = wrap(inner, fake.locks);
    const { unsubscribe } = subscribeTo(storage);
    await storage.set(set('a'));
    await nextTask();
    expect(fake.held()).toHaveLength(1);

    expect(unsubscribe).toThrow('storage listener already gone'); // the manager's dispose() reports it
    await nextTask();

    expect(fake.held()).toEqual([]);
    expect(channels.open()).toBe(0);
  });

  it('opens one channel with the first subscriber and closes it, and the storage subscription, with the last', () => {
    const shared = sharedStorage();
    const storage = wrap(shared.storage);

    const first = subscribeTo(storage);
    const second = subscribeTo(storage);
    expect(channels.open()).toBe(1);
    first.unsubscribe();
    first.unsubscribe();
    expect(channels.open()).toBe(1);
    second.unsubscribe();

    expect(channels.open()).toBe(0);
    expect(channels.opened()).toBe(1);
    expect(shared.stop).toHaveBeenCalledTimes(1);
  });

  it('leaves a set another tab stored meanwhile when a set it could not store was being announced', async () => {
    const { storage, storageEvent } = sharedStorage();
    await storage.set(set('at-0'));
    // A full `localStorage`: this tab's set fails; another tab's sign-in lands while the marker is being held.
    const full: TokenStorage = {
      ...storage,
      set: (tokens) =>
        tokens.accessToken === 'at-1' ? Promise.reject(new Error('quota')) : storage.set(tokens),
    };
    let grant!: () => void;
    const marked = new Promise<void>((resolve) => {
      grant = resolve;
    });
    const wrapped = broadcastStorage(full, {
      channel: name,
      key: 'tessera',
      BroadcastChannel: channels.BroadcastChannel,
      markers: { mark: () => marked, live: async () => [], release: () => {} },
      catchUpTimeout: 1_000,
    });
    const { changes, unsubscribe } = subscribeTo(wrapped);
    const tab = otherTab();
    const writing = wrapped.set(set('at-1'));
    await vi.waitFor(() => expect(tab.received).toHaveLength(1));

    await storage.set(set('at-2'));
    tab.post({ type: 'set', tokens: set('at-2'), id: 'w2' });
    await vi.waitFor(() => expect(changes).toEqual([set('at-2')]));
    storageEvent(set('at-2'));
    grant();

    await expect(writing).rejects.toThrow('quota');
    expect(await storage.get()).toEqual(set('at-2'));
    expect(await wrapped.get()).toEqual(set('at-2'));
    unsubscribe();
  });

  it('where BroadcastChannel is missing, follows the storage’s events and still removes the set a failed write replaced', async () => {
    const { storage, storageEvent } = sharedStorage();
    await storage.set(set('at-0'));
    const full: TokenStorage = { ...storage, set: () => Promise.reject(new Error('quota')) };
    const wrapped = broadcastStorage(full, {
      channel: name,
      key: 'tessera',
      BroadcastChannel: undefined,
      markers: writeMarkers({ locks: undefined, prefix: '', timeout: 1_000 }),
      catchUpTimeout: 1,
    });
    const { changes, unsubscribe } = subscribeTo(wrapped);
    storageEvent(set('at-1'));
    expect(changes).toEqual([set('at-1')]);

    await expect(wrapped.set(set('at-2'))).rejects.toThrow('quota');

    // A tab opened later must not find the set whose refresh token this tab just spent.
    expect(await storage.get()).toBeUndefined();
    expect(await wrapped.get()).toBeUndefined();
    unsubscribe();
  });
});

describe('broadcastStorage over a webStorage whose write fails', () => {
  it('tells the other tabs before the set the failed write replaced is removed, and removes it once', async () => {
    const order: string[] = [];
    const area = fakeStorageArea();
    area.setItem('tessera.tokens', JSON.stringify(set('at-0')));
    area.setItem = () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
    const removeItem = area.removeItem.bind(area);
    area.removeItem = (key) => {
      order.push('remove');
      removeItem(key);
    };
    const Posting = class extends channels.BroadcastChannel {
      override postMessage(message: unknown): void {
        order.push('post');
        super.postMessage(message);
      }
    };
    const wrapped = broadcastStorage(webStorage(area), {
      channel: name,
      key: 'tessera',
      BroadcastChannel: Posting,
      markers: writeMarkers({ locks: undefined, prefix: '', timeout: 1_000 }),
      catchUpTimeout: 1,
    });
    expect(await wrapped.get()).toEqual(set('at-0'));

    await expect(wrapped.set(set('at-1'))).rejects.toThrow('quota');

    // A removal's `storage` event before the message would sign the other tabs out (decision 0601).
    expect(order).toEqual(['post', 'remove']);
    expect(area.getItem('tessera.tokens')).toBeNull();
  });
});
