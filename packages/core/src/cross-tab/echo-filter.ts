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
  /** Forgets everything (the sources were closed). */
  reset(): void;
}

/** How many unmatched changes per source are remembered; a source that never echoes costs no more. */
const LIMIT = 16;

export function echoFilter(): EchoFilter {
  const expected: Record<ChangeSource, string[]> = { channel: [], storage: [] };
  return {
    accept(source, value) {
      const id = identify(value);
      if (id === undefined) return true;
      const pending = expected[source];
      const index = pending.indexOf(id);
      if (index >= 0) {
        pending.splice(0, index + 1);
        return false;
      }
      const other = expected[source === 'channel' ? 'storage' : 'channel'];
      other.push(id);
      if (other.length > LIMIT) other.shift();
      return true;
    },
    reset() {
      expected.channel.length = 0;
      expected.storage.length = 0;
    },
  };
}

/** A removal, a set by its access token, or `undefined` for anything else (always delivered). */
function identify(value: unknown): string | undefined {
  if (value === null || value === undefined) return 'removed';
  const accessToken = (value as { accessToken?: unknown }).accessToken;
  return typeof accessToken === 'string' ? `set:${accessToken}` : undefined;
}
