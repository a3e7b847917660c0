/**
 * A WebCrypto key pair (what `crypto.subtle.generateKey` gives, the DOM's `CryptoKeyPair`), declared
 * here so the published types compile without the DOM lib.
 */
export interface DPoPKeyPair {
  readonly privateKey: DPoPCryptoKey;
  readonly publicKey: DPoPCryptoKey;
}

/** The parts of a WebCrypto `CryptoKey` Tessera's types name (the DOM's `CryptoKey` fits). */
export interface DPoPCryptoKey {
  readonly type: string;
  readonly extractable: boolean;
  readonly algorithm: object;
  readonly usages: readonly string[];
}

/**
 * Where a generated DPoP key pair is kept. Only `CryptoKeyPair`s whose private key is
 * non-extractable pass through it; a store never sees key bytes.
 */
export interface DPoPKeyStore {
  /** Whether the key survives a reload (IndexedDB) or lives as long as this store object (memory). */
  readonly persistent: boolean;
  /**
   * Returns the stored key pair; when there is none (or what is stored is not a usable ES256 pair),
   * stores `candidate` and returns it. Must be atomic across everything sharing the store (tabs of
   * one origin), so they all end up with one key.
   */
  getOrAdd(candidate: DPoPKeyPair): Promise<DPoPKeyPair>;
  /** Returns the stored key pair without creating one. */
  get(): Promise<DPoPKeyPair | undefined>;
  /** Deletes the stored key pair (on sign-out). */
  remove(): Promise<void>;
}

/** A key store that lives as long as this object: for Node services and the no-IndexedDB fallback. */
export function memoryKeyStore(): DPoPKeyStore {
  let stored: DPoPKeyPair | undefined;
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
