import { describe, expect, it } from 'vitest';
import { createDPoP } from './create-dpop.js';
import type { DPoPEvent } from './dpop-event.js';
import type { DPoPKeyStore } from './keys/key-store.js';

/**
 * Mutation check of the key store fallback (decision 1202's neighbour): only a *persistent* store that
 * fails is replaced by a key in memory (`key_not_persistent`). A store that says it is not persistent
 * (your own, in memory) and fails has nothing to fall back from: its error reaches the caller, with no
 * event claiming a persistence problem and no `fallback` that would make bound sessions be left alone.
 */

describe('createDPoP: a non-persistent key store that fails', () => {
  it('rejects with the store’s error, emits nothing and falls back to nothing', async () => {
    const failure = new Error('store unavailable');
    const store: DPoPKeyStore = {
      persistent: false,
      getOrAdd: () => Promise.reject(failure),
      get: async () => undefined,
      remove: async () => {},
    };
    const events: DPoPEvent[] = [];
    const dpop = createDPoP({ keyStore: store, onEvent: (event) => events.push(event) });

    await expect(dpop.ready()).rejects.toBe(failure);
    await expect(
      dpop.headersFor({ method: 'GET', url: 'https://api.example.com/orders', accessToken: 'at' }),
    ).rejects.toBe(failure);
    expect(events).toEqual([]);
  });
});
