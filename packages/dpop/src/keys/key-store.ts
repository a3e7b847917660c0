/**
 * Where a generated DPoP key pair is kept. Only `CryptoKeyPair`s whose private key is
 * non-extractable pass through it; a store never sees key bytes.
 */
export interface DPoPKeyStore {
  /** Whether the key survives a reload (IndexedDB) or lives as long as this store object (memory). */
  readonly persistent: boolean;
  /**
   * Returns the stored key pair; when there is none, stores `candidate` and returns it. Must be
   * atomic across everything sharing the store (tabs of one origin), so they all end up with one key.
   */
  getOrAdd(candidate: CryptoKeyPair): Promise<CryptoKeyPair>;
  /** Returns the stored key pair without creating one. */
  get(): Promise<CryptoKeyPair | undefined>;
  /** Deletes the stored key pair (on sign-out). */
  remove(): Promise<void>;
}

/** A key store that lives as long as this object: for Node services and the no-IndexedDB fallback. */
export function memoryKeyStore(): DPoPKeyStore {
  let stored: CryptoKeyPair | undefined;
  return {
    persistent: false,
    getOrAdd: async (candidate) => {
      stored ??= candidate;
      return stored;
    },
    get: async () => stored,
    remove: async () => {
      stored = undefined;
    },
  };
}
