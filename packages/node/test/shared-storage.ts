import { memoryStorage, type TokenStorage } from '@tessera/core';

/** One storage per key, shared by every client given it: what Redis is to service replicas. */
export function sharedStorage(): (key: string) => TokenStorage {
  const storages = new Map<string, TokenStorage>();
  return (key) => {
    const storage = storages.get(key) ?? memoryStorage();
    storages.set(key, storage);
    return storage;
  };
}
