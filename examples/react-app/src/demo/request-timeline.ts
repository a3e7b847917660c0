import { shortHash } from './short-hash.js';

/** What a timeline row is about. */
export type TimelineKind =
  /** An API call's first attempt. */
  | 'call'
  /** The same call sent again with a new token after a 401. */
  | 'replay'
  | 'sign-in'
  /** The access token was marked stale (a 401 came back with it). */
  | 'stale'
  /** A token request got new tokens (`reason`: background, expired, invalidated…). */
  | 'refresh'
  /** A token request attempt failed and will be retried. */
  | 'retry'
  /** A token request failed for good. */
  | 'refresh-failed'
  /** Another tab stored newer tokens. */
  | 'synced'
  | 'sign-out'
  /** Sign-out revoked the refresh token at the identity provider (RFC 7009). */
  | 'revoke'
  /** The server refused the refresh token: the user must sign in again. */
  | 'session-end';

/** One row of the timeline. Holds a short hash of a token, never a token. */
export interface TimelineEntry {
  /** 1, 2, 3… in the order things happened. */
  readonly id: number;
  /** When it happened, epoch ms. */
  readonly at: number;
  readonly kind: TimelineKind;
  /** What happened, e.g. `GET /me`, `refresh (background)`. */
  readonly label: string;
  /** `200`, `401`, `ERR_NETWORK`, `invalid_grant`…; `…` while a call is in flight; `` when there is none. */
  readonly status: string;
  /**
   * The first 8 hex digits of the SHA-256 of the access token the call carried, or that a sign-in or
   * refresh brought; `…` while it is computed; `undefined` when there is no token.
   */
  readonly token: string | undefined;
}

/** What a new row says; the timeline numbers and time-stamps it, and hashes the token. */
export interface TimelineInput {
  kind: TimelineKind;
  label: string;
  status?: string;
  /** The access token involved: hashed, never kept in the row. */
  accessToken?: string | undefined;
}

/** Options of `createRequestTimeline`. */
export interface RequestTimelineOptions {
  /**
   * Turns a token into what the row shows.
   * @default `shortHash` (first 8 hex digits of SHA-256)
   */
  hash?: (token: string) => Promise<string>;
  /**
   * The clock, epoch ms.
   * @default `Date.now`
   */
  now?: () => number;
  /**
   * Rows kept; older ones are dropped.
   * @default 200
   */
  limit?: number;
}

/** The live list of what the app's token manager and API client did, for a view to render. */
export interface RequestTimeline {
  /** The rows, oldest first: an immutable array, replaced on every change (a `useSyncExternalStore` snapshot). */
  entries(): readonly TimelineEntry[];
  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /** Adds a row now; returns its id. */
  add(input: TimelineInput): number;
  /** Sets the status of row `id` (a call's answer). Unknown or dropped ids are ignored. */
  settle(id: number, status: string): void;
  /** Drops every row. */
  clear(): void;
  /** Resolves once every token hash asked for so far is in its row (for tests and screenshots). */
  settled(): Promise<void>;
}

/** Hashes remembered, so 20 calls with one token hash it once. */
const HASH_MEMORY = 8;

/** Creates an empty timeline. */
export function createRequestTimeline(options: RequestTimelineOptions = {}): RequestTimeline {
  const hash = options.hash ?? shortHash;
  const now = options.now ?? Date.now;
  const limit = options.limit ?? 200;
  const listeners = new Set<() => void>();
  const hashes = new Map<string, Promise<string>>();
  let entries: readonly TimelineEntry[] = [];
  let lastId = 0;
  let hashing: Promise<unknown> = Promise.resolve();

  const publish = (next: readonly TimelineEntry[]): void => {
    entries = next;
    for (const listener of listeners) listener();
  };
  const patch = (id: number, change: Partial<TimelineEntry>): void => {
    const index = entries.findIndex((entry) => entry.id === id);
    if (index === -1) return;
    publish(entries.map((entry, i) => (i === index ? { ...entry, ...change } : entry)));
  };
  const hashOf = (token: string): Promise<string> => {
    let pending = hashes.get(token);
    if (!pending) {
      pending = hash(token).catch(() => '?');
      hashes.set(token, pending);
      if (hashes.size > HASH_MEMORY) hashes.delete(hashes.keys().next().value as string);
    }
    return pending;
  };

  return {
    entries: () => entries,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    add({ kind, label, status = '', accessToken }) {
      lastId += 1;
      const id = lastId;
      const entry: TimelineEntry = { id, at: now(), kind, label, status, token: accessToken && '…' };
      publish([...entries, entry].slice(-limit));
      if (accessToken) {
        const done = hashOf(accessToken).then((token) => patch(id, { token }));
        hashing = Promise.all([hashing, done]);
      }
      return id;
    },
    settle: (id, status) => patch(id, { status }),
    clear: () => publish([]),
    settled: async () => {
      await hashing;
    },
  };
}
