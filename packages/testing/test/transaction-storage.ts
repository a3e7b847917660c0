import type { TransactionStorage } from '@tessera/core';

/** sessionStorage for a node test: a Map behind the Storage methods `createSignIn` uses. */
export function memoryStorage(): TransactionStorage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
    key: (index) => [...items.keys()][index] ?? null,
    get length() {
      return items.size;
    },
  };
}
