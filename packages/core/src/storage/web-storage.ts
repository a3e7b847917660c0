import type { TokenStorage } from './token-storage.js';

/**
 * The part of a Web Storage area (`localStorage`, `sessionStorage`, the DOM's `Storage`) that `webStorage`
 * uses. Declared here so the published types compile without the DOM lib (docs/decisions/0020).
 */
export interface WebStorageArea {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Options of `webStorage`. */
export interface WebStorageOptions {
  /**
   * The key the token set is stored under.
   * @default 'tessera.tokens'
   */
  key?: string;
}

/**
 * Keeps the token set as JSON in a Web Storage area (`localStorage` or `sessionStorage`).
 *
 * Anything stored there is readable by every script on the origin: prefer `memoryStorage()` unless
 * the session must survive a reload. Garbage under the key is read as empty. Changes made by
 * other tabs (the `storage` event) are reported through `subscribe`; garbage there is reported as is,
 * so the manager emits `storage_error` and keeps its set.
 */
export function webStorage(area: WebStorageArea, options: WebStorageOptions = {}): TokenStorage {
  const key = options.key ?? 'tessera.tokens';
  return {
    get: () => {
      const raw = area.getItem(key);
      return raw === null ? undefined : parse(raw);
    },
    set: (tokens) => area.setItem(key, JSON.stringify(tokens)),
    remove: () => area.removeItem(key),
    subscribe: (onChange) => {
      if (typeof window === 'undefined' || typeof window.addEventListener !== 'function') return () => {};
      const listener = (event: StorageEvent): void => {
        if (event.storageArea !== area || (event.key !== key && event.key !== null)) return;
        onChange(event.newValue === null ? null : parse(event.newValue));
      };
      window.addEventListener('storage', listener);
      return () => window.removeEventListener('storage', listener);
    },
  };
}

/**
 * The JSON value of `raw`; invalid JSON as the raw string, which the manager reports as
 * `storage_error` (never a sign-out) — not V8's `SyntaxError`, which quotes the text around the
 * fault, a piece of a token.
 */
function parse(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
