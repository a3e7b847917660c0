import type { TokenSet, TokenStorage } from '@tessera/core';
import type { DPoP } from './create-dpop.js';
import { DPoPKeyLostError } from './errors/dpop-key-lost-error.js';

/** The field a bound session carries in storage: the thumbprint of the key its tokens are bound to. */
export const JKT_FIELD = 'dpopJkt';

/**
 * Wraps a `TokenManager`'s storage so each stored session carries the thumbprint of the DPoP key its
 * tokens are bound to. On load, a session bound to another key (the key was deleted, replaced, or
 * only lived in memory) or to none is removed and `DPoPKeyLostError` is thrown: its refresh token is
 * never sent with a new key. The manager reports the error as a `storage_error` event and starts
 * empty, so the app signs in again. Changes from other tabs bound to another key are ignored.
 *
 * When this instance's key is only a stand-in (`ready().fallback`: the key store failed), the stored
 * key may still exist for other tabs: a session bound to another key is then left in storage and
 * loads as empty here, never removed.
 *
 * @example
 * new TokenManager({ storage: bindStorageToKey(webStorage(localStorage), dpop), fetchTokens });
 */
export function bindStorageToKey(storage: TokenStorage, dpop: Pick<DPoP, 'ready'>): TokenStorage {
  const thumbprint = async () => (await dpop.ready()).thumbprint;
  const boundTo = (value: unknown): unknown =>
    (value as Record<string, unknown> | null | undefined)?.[JKT_FIELD];
  const bound: TokenStorage = {
    get: async () => {
      const value = await storage.get();
      if (value === undefined || value === null) return value;
      const jkt = boundTo(value);
      const key = await dpop.ready();
      if (jkt === key.thumbprint) return value;
      // A stand-in key proves nothing about the stored one: the session stays for the tabs that have it.
      if (key.fallback) return undefined;
      const error = new DPoPKeyLostError(jkt === undefined ? 'session_not_bound' : 'thumbprint_mismatch');
      try {
        await storage.remove();
      } catch {
        // The error below still keeps the manager from using the session.
      }
      throw error;
    },
    set: async (tokens: TokenSet) => storage.set({ ...tokens, [JKT_FIELD]: await thumbprint() } as TokenSet),
    remove: () => storage.remove(),
  };
  const { subscribe } = storage;
  if (subscribe) {
    bound.subscribe = (onChange) => {
      // Deliveries stay in arrival order although the key check is asynchronous.
      let queue = Promise.resolve();
      return subscribe.call(storage, (value) => {
        queue = queue
          .then(async () => {
            if (value === undefined || value === null) return onChange(value);
            if (boundTo(value) === (await thumbprint().catch(() => undefined))) onChange(value);
          })
          .catch((error: unknown) => console.error('[tessera] a storage change listener threw.', error));
      });
    };
  }
  return bound;
}
