import type { WebLocks } from './web-locks.js';

/**
 * Web Locks that announce writes: after storing a set, a tab holds a lock named after the write's
 * id until it writes again or unsubscribes (or closes: the browser then releases it). Any tab can
 * list the ids with `locks.query()`, which the browser answers consistently with lock grants —
 * unlike `localStorage` and BroadcastChannel, which reach other tabs asynchronously.
 */
export interface WriteMarkers {
  /** Holds the marker of write `id` and releases this tab's previous one. Settles within `timeout` ms. */
  mark(id: string): Promise<void>;
  /** The ids of the writes marked by live tabs. */
  live(): Promise<string[]>;
  /** Releases this tab's marker. */
  release(): void;
}

/** Options of `writeMarkers`. */
export interface WriteMarkersOptions {
  /** The Web Locks API; `undefined` disables markers. */
  locks: WebLocks | undefined;
  /** Prefix of the marker names: `${prefix}${id}`. */
  prefix: string;
  /** Longest wait for a marker's grant or the lock registry's answer, in ms. */
  timeout: number;
}

export function writeMarkers({ locks, prefix, timeout }: WriteMarkersOptions): WriteMarkers {
  let releaseCurrent: (() => void) | undefined;
  return {
    mark: async (id) => {
      if (!locks) return;
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const granted = new Promise<void>((resolve) => {
        try {
          locks
            .request(`${prefix}${id}`, () => {
              resolve();
              return held;
            })
            .catch(resolve);
        } catch {
          resolve();
        }
      });
      const previous = releaseCurrent;
      releaseCurrent = release;
      await bounded(granted, undefined, timeout);
      previous?.(); // only now: some marker of this tab is held at every moment
    },
    live: async () => {
      if (!locks) return [];
      const snapshot = await bounded(
        Promise.resolve()
          .then(() => locks.query())
          .catch(() => undefined),
        undefined,
        timeout,
      );
      return (snapshot?.held ?? []).flatMap(({ name }) =>
        name?.startsWith(prefix) ? [name.slice(prefix.length)] : [],
      );
    },
    release: () => {
      releaseCurrent?.();
      releaseCurrent = undefined;
    },
  };
}

/** Settles like `promise`, or with `fallback` after `timeout` ms — whichever comes first. */
export function bounded<T, F>(promise: Promise<T>, fallback: F, timeout: number): Promise<T | F> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<F>((resolve) => {
    timer = setTimeout(() => resolve(fallback), timeout);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
