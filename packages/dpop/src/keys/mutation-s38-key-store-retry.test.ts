import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readProof } from '../../test/read-proof.js';
import { createDPoP } from '../create-dpop.js';
import { indexedDbKeyStore } from './indexed-db-key-store.js';

/**
 * A mutant of stop 38's one retry of a failed key store that the other tests let live: a sign-out
 * (`removeKey()`) while the retry is in flight. The tab then signs with a new key, never the removed
 * one, whatever the retry answers (decision 1202).
 */
const until = async (done: () => boolean) => {
  while (!done()) await new Promise((resolve) => setImmediate(resolve));
};

describe('a failed key store retried while the tab signs out', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
  afterEach(() => vi.useRealTimers());

  it('the retry answering after removeKey() leaves the next token request on a new key', async () => {
    const real = new IDBFactory();
    let opens = 0;
    const indexedDB = {
      open: (name: string, version?: number) => (++opens === 1 ? {} : real.open(name, version)),
    };
    const proofs: string[] = [];
    const dpop = createDPoP({
      keyStore: indexedDbKeyStore({ id: 'spa', indexedDB }),
      fetch: async (_input, init) => {
        proofs.push((await readProof(new Headers(init?.headers).get('dpop'))).jkt);
        return Response.json({ access_token: 'at', token_type: 'DPoP', expires_in: 60 });
      },
    });
    const exchange = () =>
      dpop.fetch('https://as.example/token', { method: 'POST', body: 'grant_type=refresh_token' });
    const ready = dpop.ready();
    await until(() => opens === 1);
    await vi.advanceTimersByTimeAsync(5000);
    const removed = (await ready).thumbprint;

    const first = exchange();
    await until(() => opens === 2); // the retry's open, not answered yet
    await dpop.removeKey();
    // Its answer came for the removed key: refused (decision 1202, stop 38 second read).
    await expect(first).rejects.toMatchObject({ name: 'DPoPKeyLostError' });
    await exchange();
    expect(proofs).toHaveLength(2);
    expect(proofs[1]).not.toBe(removed);
    expect((await dpop.ready()).thumbprint).toBe(proofs[1]);
  });
});
