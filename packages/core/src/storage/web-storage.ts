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
 * so the manager emits `storage_error` and keeps its set. A set it cannot store (a full `localStorage`) removes
 * the set it replaced, whose refresh token the refresh spent, unless another tab stored a newer one meanwhile.
 */
export function webStorage(area: WebStorageArea, options: WebStorageOptions = {}): TokenStorage {
  const key = options.key ?? 'tessera.tokens';
  /** What this storage last read or wrote under the key: the set a write replaces. */
  let seen: string | null = null;
  return {
    get: () => {
      seen = area.getItem(key);
      return seen === null ? undefined : parse(seen);
    },
    // `kept`: `crossTab` removes the replaced set itself, after telling the other tabs (decision 0601).
    set: (tokens, kept?: true) => {
      const raw = JSON.stringify(tokens);
      try {
        area.setItem(key, raw);
        seen = raw;
      } catch (error) {
        // A set that could not be stored (a full `localStorage`) leaves no spent refresh token for a reload:
        // the set it replaced is removed, only while storage still holds it (another tab's newer set stays).
        if (!kept && seen !== null && area.getItem(key) === seen) area.removeItem(key);
        throw error;
      }
    },
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
