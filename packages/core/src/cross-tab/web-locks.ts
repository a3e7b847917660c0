/**
 * The part of the Web Locks API (`navigator.locks`, the DOM's `LockManager`) that `crossTab()` uses.
 * Declared here, not taken from the DOM lib, so the published types compile in projects without it
 * (Node, `lib: ["ES2022"]`); the browser's `navigator.locks` fits it (docs/decisions/0020).
 */
export interface WebLocks {
  request(name: string, callback: (lock: unknown) => unknown): Promise<unknown>;
  request(
    name: string,
    options: { signal?: AbortSignal },
    callback: (lock: unknown) => unknown,
  ): Promise<unknown>;
  query(): Promise<{ held?: { name?: string }[] }>;
}
