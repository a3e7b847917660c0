export { bindStorageToKey } from './bind-storage.js';
export { createDPoP, type DPoP, type DPoPKeyInfo, type DPoPOptions } from './create-dpop.js';
export type { DPoPEvent } from './dpop-event.js';
export type { DPoPFetchInit, FetchLike } from './dpop-fetch.js';
export type { DPoPErrorCode } from './errors/dpop-error-code.js';
export { DPoPKeyLostError, type DPoPKeyLostReason } from './errors/dpop-key-lost-error.js';
export { DPoPNonceError, type DPoPNonceFailure } from './errors/dpop-nonce-error.js';
export { DPoPUnsupportedKeyError } from './errors/dpop-unsupported-key-error.js';
export {
  type IndexedDbFactoryLike,
  type IndexedDbKeyStoreOptions,
  indexedDbKeyStore,
} from './keys/indexed-db-key-store.js';
export type { KeyObjectLike } from './keys/key-material.js';
export { type DPoPCryptoKey, type DPoPKeyPair, type DPoPKeyStore, memoryKeyStore } from './keys/key-store.js';
export type { HeadersLike } from './read-header.js';
export type { ProofRequest, ResponseLike, SenderConstraint } from './sender-constraint.js';
