import { unrefTimer } from '../internal/timer.js';
import type { MaybePromise, TokenStorage } from '../storage/token-storage.js';
import type { TokenSet } from '../token-set.js';
import { echoFilter, identify } from './echo-filter.js';
import type { WriteMarkers } from './write-markers.js';

/** What a tab tells the others after writing to its storage; `id` names the write, `key` the manager. */
type CrossTabMessage = { key: string; id: string } & (
  | { type: 'set'; tokens: TokenSet; unstored?: boolean | undefined }
  | { type: 'remove' }
);

/** A storage's `set` as `broadcastStorage` calls it: `kept` asks `webStorage` not to remove the replaced set itself. */
type KeepingStorage = { set(tokens: TokenSet, kept: true): MaybePromise<void> };

/** Options of `broadcastStorage`. Durations are milliseconds. */
export interface BroadcastStorageOptions {
  /** The BroadcastChannel name. */
  channel: string;
  /** The manager's key: messages of managers with another key are not reported (decision 0605). */
  key: string;
  /**
   * The BroadcastChannel constructor; without it, as where the browser refuses a channel: nothing is
   * posted, but a set that failed to store still removes the one it replaced (a spent refresh token).
   */
  BroadcastChannel: typeof BroadcastChannel | undefined;
  /** Announce this tab's writes and list the other tabs'. */
  markers: WriteMarkers;
  /** Longest wait in `get()` for an announced write to arrive. */
  catchUpTimeout: number;
  /**
   * Holds each write until it settled (stored, posted and marked), with a function that posts and
   * marks it at once, before it landed; the refresh lock waits for them (decision 0607, updates).
   */
  writing?: Map<Promise<void>, () => Promise<void>>;
  /**
   * Throws for a value the manager cannot use: a set posted with it (a hostile script, another
   * deploy) never reaches the manager nor hides what storage holds from `get()` (decision 0602, update).
   */
  check?: ((value: unknown) => unknown) | undefined;
}

/** Write ids a tab remembers besides those still announced: enough for writes whose marker is not held yet. */
const RECENT_IDS = 16;
/** Upper bound on remembered ids between two reads. */
const HEARD_LIMIT = 256;

/**
 * Wraps `storage` so every `set` and `remove` is posted on a BroadcastChannel and announced with a
 * write marker, and the other tabs' posts reach `subscribe` — together with the storage's own
 * change reports (`storage` events of `webStorage`), each change once (see `echoFilter`).
 *
 * `get()` returns the newest set this tab wrote or heard of. Before answering it checks the write
 * markers: a write that another tab announced but whose message has not arrived yet (the browser
 * granted this tab the refresh lock first) is waited for, up to `catchUpTimeout` ms, so the manager
 * never refreshes with a refresh token another tab already spent. When that wait gives up (the
 * message was missed: a page back from the back/forward cache hears none), a storage that reports
 * other tabs' writes (`webStorage(localStorage)`) is read instead of the newest set heard.
 *
 * The channel opens with the first subscriber and closes with the last (`TokenManager.dispose()`).
 * Where there is no channel (none, or the browser refuses one), the storage behaves as unwrapped
 * (single tab), except that a set that failed to store removes the one it replaced.
 */
export function broadcastStorage(storage: TokenStorage, options: BroadcastStorageOptions): TokenStorage {
  const Channel = options.BroadcastChannel;
  const { markers, key } = options;
  const echoes = echoFilter();
  const subscribers = new Set<{ onChange: (value: unknown) => void }>();
  let heard: string[] = [];
  const arrivals = new Set<(closing: boolean) => void>();
  let channel: BroadcastChannel | undefined;
  let stopWatchingStorage: (() => void) | undefined;
  let baseline: Promise<void> = Promise.resolve();
  let latest: { value: unknown } | undefined;
  /**
   * The set of a keyless message (a tab of an older release) that the storage has not reported yet: in
   * Chromium a `localStorage` write of a tab in another process may reach this one after its message.
   */
  let unsynced: string | undefined;
  /** What the storage reported last. */
  let reported: string | undefined;
  /** Counts this tab's writes and the changes it heard: a write that lands after a later one is not published. */
  let changes = 0;

  /** A new channel, or `undefined` where there is none or the browser refuses one (`SecurityError` in a sandboxed iframe). */
  const connect = (): BroadcastChannel | undefined => {
    try {
      return Channel && new Channel(options.channel);
    } catch {
      return undefined;
    }
  };

  const hear = (id: string): void => {
    heard.push(id);
    if (heard.length > HEARD_LIMIT) heard.shift();
  };

  const report = (value: unknown): void => {
    changes++;
    latest = { value };
    for (const subscriber of [...subscribers]) subscriber.onChange(value);
  };

  /** Tells every `catchUp` waiting that a message arrived (`false`), or to stop waiting (`true`). */
  const arrive = (giveUp: boolean): void => {
    for (const arrived of [...arrivals]) arrived(giveUp);
  };

  const receive = (event: MessageEvent): void => {
    const message = parse(event.data);
    if (!message) return;
    hear(message.id); // its marker is among the other key's too: heard, never waited for
    // A tab of an older release posts no key: `get()` reads the set it stored, not an older one heard (decision 0605, update).
    if (message.key === undefined && storage.subscribe) {
      latest = undefined;
      unsynced = identify(message.value);
      if (unsynced === reported) unsynced = undefined; // its storage event came first
    }
    let ours = message.key === key;
    try {
      if (ours) options.check?.(message.value);
    } catch {
      // A set the manager cannot use: never reported, or it would stay `latest` and hide storage from `get()`.
      ours = false;
    }
    if (ours && echoes.accept('channel', message.value)) report(message.value);
    // A set its tab failed to store: the removal of the set it replaces follows, and is no sign-out.
    if (ours && (event.data as { unstored?: unknown }).unstored) echoes.accept('channel', null);
    arrive(false);
  };

  const publish = (message: CrossTabMessage): void => {
    const target = channel ?? connect();
    try {
      target?.postMessage(message);
    } finally {
      if (target !== channel) target?.close();
    }
  };

  const write = (value: TokenSet | null, action: () => MaybePromise<void>): Promise<void> => {
    const id = newId();
    const change = ++changes;
    let told = false;
    if (channel) {
      hear(id);
      latest = { value };
    }
    echoes.stored(value);
    /**
     * Posts and marks the write once, whether it landed, failed or the refresh lock stopped waiting for
     * it. A set that failed (a full `localStorage`) still reaches the open tabs, and the set it replaces
     * is removed from storage: a tab opened later must not refresh with its spent refresh token (decision 0601).
     */
    const tell = async (failed?: boolean): Promise<void> => {
      // Stale after a later write or another tab's change (it outlasted the manager's `timeout`): not
      // told; the manager writes the newer value again (decision 0007, late writes).
      if (told || change !== changes) return;
      told = true;
      publish(
        value === null
          ? { type: 'remove', id, key }
          : { type: 'set', tokens: value, id, key, unstored: failed },
      );
      if (channel) await markers.mark(id); // held before the manager releases the refresh lock
      // Not after a change heard or written meanwhile: storage may hold that newer set, not the one replaced.
      if (failed && value && change === changes) {
        echoes.stored(null);
        await storage.remove();
      }
    };
    let failed: boolean | undefined;
    const written = new Promise<void>((resolve) => resolve(action()))
      .catch((error: unknown) => {
        failed = true;
        throw error;
      })
      .finally(() => tell(failed));
    const settled = written.catch(() => {}).then(() => void options.writing?.delete(settled));
    options.writing?.set(settled, tell);
    return written;
  };

  /** Waits until this tab has heard of every write the live tabs announced, and storage reported the set of a keyless message, or the time is up. */
  const catchUp = async (): Promise<void> => {
    const live = await markers.live();
    heard = heard.filter((id, index) => live.includes(id) || index >= heard.length - RECENT_IDS);
    const unheard = live.filter((id) => !heard.includes(id));
    if (unheard.length === 0 && !unsynced) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => arrived(true), options.catchUpTimeout);
      const arrived = (giveUp: boolean): void => {
        if (!giveUp && (unsynced || !unheard.every((id) => heard.includes(id)))) return;
        clearTimeout(timer);
        arrivals.delete(arrived);
        if (giveUp) {
          unheard.forEach(hear); // lost for good: never wait for it again
          unsynced = undefined;
          // A missed message (a page back from the bfcache hears none): a storage other tabs write holds that write, `latest` does not.
          if (storage.subscribe) latest = undefined;
        }
        resolve();
      };
      arrivals.add(arrived);
    });
  };

  const open = (): void => {
    channel = connect();
    stopWatchingStorage = storage.subscribe?.((value) => {
      reported = identify(value);
      if (reported === unsynced) unsynced = undefined;
      if (echoes.accept('storage', value)) report(value);
      arrive(false);
    });
    if (!channel) return; // single tab, but still following `storage` events
    channel.onmessage = receive;
    unrefTimer(channel); // Node: an open channel alone never keeps the process alive
    baseline = markers.live().then((ids) => ids.forEach(hear)); // what storage holds now already includes these
  };

  const close = (): void => {
    channel?.close();
    channel = undefined;
    markers.release();
    echoes.reset();
    latest = undefined;
    arrive(true);
    // Last: a storage whose unsubscribe throws leaves nothing else held (the manager's dispose() reports it).
    stopWatchingStorage?.();
    stopWatchingStorage = undefined;
  };

  return {
    get: async () => {
      if (!channel) return storage.get();
      await baseline;
      await catchUp();
      if (latest) return latest.value;
      const value = await storage.get();
      echoes.stored(value);
      return value;
    },
    // `true`: a `webStorage` leaves the removal after a failed write to `tell` (after the message, not before).
    set: (tokens) => write(tokens, () => (storage as KeepingStorage).set(tokens, true)),
    remove: () => write(null, () => storage.remove()),
    subscribe: (onChange) => {
      const subscriber = { onChange };
      subscribers.add(subscriber);
      if (subscribers.size === 1) open();
      return () => {
        if (subscribers.delete(subscriber) && subscribers.size === 0) close();
      };
    },
  };
}

/** The write a message announces, or `undefined` for anything that is not ours. */
function parse(data: unknown): { id: string; key: unknown; value: TokenSet | null } | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const { type, tokens, id, key } = data as { type?: unknown; tokens?: unknown; id?: unknown; key?: unknown };
  if (typeof id !== 'string') return undefined;
  if (type === 'remove') return { id, key, value: null };
  if (type === 'set' && typeof (tokens as { accessToken?: unknown } | null)?.accessToken === 'string')
    return { id, key, value: tokens as TokenSet };
  return undefined;
}

/** Unique enough to tell writes apart; not a secret. */
function newId(): string {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}
