/** Where a change reported to a tab came from. */
export type ChangeSource = 'channel' | 'storage';

/**
 * Lets each change through once when two sources report the same sequence of changes — the
 * BroadcastChannel message and the `storage` event of one `localStorage` write — in either order.
 *
 * Delivering both would be harmless if they always arrived in the same order; they do not (separate
 * task sources), and a late echo of an older set would replace a newer one. So the first report of
 * a change passes and is remembered as expected from the other source; when the other source
 * reports it, that report and every older expected one are dropped.
 */
export interface EchoFilter {
  /** Whether the change should reach the manager. */
  accept(source: ChangeSource, value: unknown): boolean;
  /** Storage holds `value` now (read or written by this tab): a change to it again fires no `storage` event. */
  stored(value: unknown): void;
  /** Forgets everything (the sources were closed). */
  reset(): void;
}

/** How many unmatched changes per source are remembered; a source that never echoes costs no more. */
const LIMIT = 16;

export function echoFilter(): EchoFilter {
  const expected: Record<ChangeSource, string[]> = { channel: [], storage: [] };
  /** What storage holds, or will once the changes expected from it arrive: the browser fires no event for a write that leaves it unchanged. */
  let inStorage: string | undefined;
  return {
    accept(source, value) {
      const id = identify(value);
      if (id === undefined) return true;
      const pending = expected[source];
      const index = pending.indexOf(id);
      if (source === 'storage') inStorage = id;
      if (index >= 0) {
        pending.splice(0, index + 1);
        return false;
      }
      // A removal of a missing key or a write of the same set is never echoed: expecting it would drop a later real one.
      if (source === 'channel' && id === inStorage) return true;
      inStorage = id;
      const other = expected[source === 'channel' ? 'storage' : 'channel'];
      other.push(id);
      if (other.length > LIMIT) other.shift();
      return true;
    },
    stored(value) {
      inStorage = identify(value);
    },
    reset() {
      expected.channel.length = 0;
      expected.storage.length = 0;
      inStorage = undefined;
    },
  };
}

/** A removal, a set by its access token, or `undefined` for anything else (always delivered). */
export function identify(value: unknown): string | undefined {
  if (value === null || value === undefined) return 'removed';
  const accessToken = (value as { accessToken?: unknown }).accessToken;
  return typeof accessToken === 'string' ? `set:${accessToken}` : undefined;
}
