import { describe, expect, it } from 'vitest';
import { memoryStorage } from '../storage/memory-storage.js';
import type { TokenStorage } from '../storage/token-storage.js';
import type { TokenSet } from '../token-set.js';
import { broadcastStorage } from './broadcast-storage.js';
import { writeMarkers } from './write-markers.js';

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

function wrap(inner: TokenStorage, BroadcastChannel: typeof globalThis.BroadcastChannel): TokenStorage {
  const storage = broadcastStorage(inner, {
    channel: 'keyless',
    key: 'tessera',
    BroadcastChannel,
    markers: writeMarkers({ locks: undefined, prefix: 'keyless/written/', timeout: 1_000 }),
    catchUpTimeout: 1_000,
  });
  storage.subscribe?.(() => {});
  return storage;
}

describe('broadcastStorage after a message without a key (a tab of an older release, decision 0605)', () => {
  it('keeps the set it heard with a storage other tabs cannot write (memoryStorage): its own copy holds the spent refresh token', async () => {
    const { BroadcastChannel, deliver } = channelSpy();
    const inner = memoryStorage();
    await inner.set(set('at-1', 'rt-1'));
    const storage = wrap(inner, BroadcastChannel);
    deliver({ type: 'set', tokens: set('at-2', 'rt-2'), id: 'w-2', key: 'tessera' });
    deliver({ type: 'set', tokens: set('at-old', 'rt-old'), id: 'w-old' });
    expect(await storage.get()).toEqual(set('at-2', 'rt-2'));
  });

  it('keeps a set heard unstored (the writer’s localStorage was full) when another manager’s message arrives', async () => {
    const { BroadcastChannel, deliver } = channelSpy();
    const inner = memoryStorage();
    let report: ((value: unknown) => void) | undefined;
    const storage = wrap(
      {
        ...inner,
        subscribe: (onChange) => {
          report = onChange;
          return () => {};
        },
      },
      BroadcastChannel,
    );
    // The writer could not store its set and removed the one it replaced: storage holds nothing.
    deliver({ type: 'set', tokens: set('at-2', 'rt-2'), id: 'w-2', key: 'tessera', unstored: true });
    report?.(null);
    deliver({ type: 'set', tokens: set('billing', 'rt-billing'), id: 'w-b', key: 'billing' });
    expect(await storage.get()).toEqual(set('at-2', 'rt-2'));
  });

  it('waits for the storage event of the set a keyless message announced before reading storage (Chromium: the write reaches a tab of another process after the message)', async () => {
    const { BroadcastChannel, deliver } = channelSpy();
    const inner = memoryStorage();
    await inner.set(set('at-1', 'rt-1'));
    let report: ((value: unknown) => void) | undefined;
    const storage = wrap(
      {
        ...inner,
        subscribe: (onChange) => {
          report = onChange;
          return () => {};
        },
      },
      BroadcastChannel,
    );
    deliver({ type: 'set', tokens: set('at-2', 'rt-2'), id: 'w-2' });

    const read = storage.get();
    await new Promise((resolve) => setImmediate(resolve));
    await inner.set(set('at-2', 'rt-2')); // the old tab's write arrives, and its storage event
    report?.(set('at-2', 'rt-2'));

    expect(await read).toEqual(set('at-2', 'rt-2'));
  });

  it('reads storage at once when the storage event of a keyless message’s set came before the message', async () => {
    const { BroadcastChannel, deliver } = channelSpy();
    const inner = memoryStorage();
    let report: ((value: unknown) => void) | undefined;
    const storage = wrap(
      {
        ...inner,
        subscribe: (onChange) => {
          report = onChange;
          return () => {};
        },
      },
      BroadcastChannel,
    );
    await inner.set(set('at-2', 'rt-2'));
    report?.(set('at-2', 'rt-2'));
    deliver({ type: 'set', tokens: set('at-2', 'rt-2'), id: 'w-2' });

    const waiting = new Promise((resolve) => setImmediate(() => resolve('still waiting')));
    expect(await Promise.race([storage.get(), waiting])).toEqual(set('at-2', 'rt-2'));
  });
});
