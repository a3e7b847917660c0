import { memoryStorage, type TokenEvent, TokenManager } from '@tessera/core';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it, vi } from 'vitest';
import { readProof } from '../test/read-proof.js';
import { bindStorageToKey } from './bind-storage.js';
import { createDPoP } from './create-dpop.js';
import { indexedDbKeyStore } from './keys/indexed-db-key-store.js';

const TOKEN_URL = 'https://auth.example.com/token';

/**
 * Two tabs of one profile run for the first time at the same moment (no key stored yet): each
 * generates a key, and `getOrAdd`'s one readwrite transaction makes them agree on one (decision 1202).
 */
describe('two tabs signing in on their first run at the same moment', () => {
  it('sign both code exchanges with one key, and each tab then loads the stored session without DPoPKeyLostError', async () => {
    const profile = new IDBFactory();
    const storage = memoryStorage();
    const proofKeys: string[] = [];
    const fetch = vi.fn(async (_input: string | URL | Request, init?: RequestInit) => {
      proofKeys.push((await readProof(new Headers(init?.headers).get('dpop'))).jkt);
      const n = proofKeys.length;
      return Response.json({ access_token: `at-${n}`, token_type: 'DPoP', refresh_token: `rt-${n}` });
    });
    const tab = () => {
      const dpop = createDPoP({ keyStore: indexedDbKeyStore({ id: 'spa', indexedDB: profile }), fetch });
      const events: TokenEvent[] = [];
      const manager = new TokenManager({
        fetchTokens: async () => {
          throw new Error('no refresh expected');
        },
        storage: bindStorageToKey(storage, dpop),
        tokenTypes: ['DPoP'],
      });
      manager.subscribe((event) => events.push(event));
      const signIn = async () => {
        const body = new URLSearchParams({ grant_type: 'authorization_code', code: 'c', client_id: 'spa' });
        await manager.setTokens(await (await dpop.fetch(TOKEN_URL, { method: 'POST', body })).json());
      };
      return { dpop, events, manager, signIn };
    };
    const [a, b] = [tab(), tab()];

    await Promise.all([a.signIn(), b.signIn()]);

    const stored = await indexedDbKeyStore({ id: 'spa', indexedDB: profile }).get();
    const storedThumbprint = (await createDPoP({ key: stored! }).ready()).thumbprint;
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(proofKeys).toEqual([storedThumbprint, storedThumbprint]);
    expect((await a.dpop.ready()).thumbprint).toBe(storedThumbprint);
    expect((await b.dpop.ready()).thumbprint).toBe(storedThumbprint);
    const reload = tab();
    expect(await reload.manager.getAccessToken()).toMatch(/^at-[12]$/);
    expect(reload.events.filter((event) => event.type === 'storage_error')).toEqual([]);
  });
});
