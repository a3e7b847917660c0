import type { TokenSet } from '../token-set.js';
import type { TokenStorage } from './token-storage.js';

/** Keeps the token set in memory, for this manager only. The default storage. */
export function memoryStorage(): TokenStorage {
  let current: TokenSet | undefined;
  return {
    get: () => current,
    set: (tokens) => {
      current = tokens;
    },
    remove: () => {
      current = undefined;
    },
  };
}
