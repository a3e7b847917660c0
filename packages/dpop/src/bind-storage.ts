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
 * A session bound to another key is first checked against the key store (`dpop.reloadKey()`): when
 * another tab's sign-out removed our key and its sign-in stored a new one, this tab switches to it and
 * keeps the session. A change heard from another tab is dropped when this tab wrote before the key
 * check delivered it (decision 1202).
 *
 * When this instance's key is only a stand-in (`ready().fallback`: the key store failed), the stored
 * key may still exist for other tabs: a session bound to another key is then left in storage and
 * loads as empty here, never removed.
 *
 * @example
 * new TokenManager({ storage: bindStorageToKey(webStorage(localStorage), dpop), fetchTokens });
 */
export function bindStorageToKey(
  storage: TokenStorage,
  dpop: Pick<DPoP, 'ready'> & Partial<Pick<DPoP, 'reloadKey'>>,
): TokenStorage {
  const boundTo = (value: unknown): unknown =>
    (value as Record<string, unknown> | null | undefined)?.[JKT_FIELD];
  /** The key `value` must be bound to: ours, or the one another tab's sign-in stored after a sign-out removed ours. */
  const keyFor = async (value: unknown) => {
    const key = await dpop.ready();
    return boundTo(value) === key.thumbprint ? key : ((await dpop.reloadKey?.()) ?? key);
  };
  /** This tab's writes so far: a change heard before one of them is older than it (decision 1202). */
  let writes = 0;
  const bound: TokenStorage = {
    get: async () => {
      const value = await storage.get();
      if (value === undefined || value === null) return value;
      const jkt = boundTo(value);
      const key = await keyFor(value);
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
    set: async (tokens: TokenSet) => {
      writes++;
      return storage.set({ ...tokens, [JKT_FIELD]: (await dpop.ready()).thumbprint } as TokenSet);
    },
    remove: () => {
      writes++;
      return storage.remove();
    },
  };
  const { subscribe } = storage;
  if (subscribe) {
    bound.subscribe = (onChange) => {
      // Deliveries stay in arrival order although the key check is asynchronous.
      let queue = Promise.resolve();
      return subscribe.call(storage, (value) => {
        const heardAt = writes;
        queue = queue
          .then(async () => {
            // This tab wrote (signed out, signed in) while the key check waited: the change is older.
            if (heardAt !== writes) return;
            if (value === undefined || value === null) return onChange(value);
            const key = await keyFor(value).catch(() => undefined);
            if (boundTo(value) === key?.thumbprint && heardAt === writes) onChange(value);
          })
          .catch((error: unknown) => console.error('[tessera] a storage change listener threw.', error));
      });
    };
  }
  return bound;
}
