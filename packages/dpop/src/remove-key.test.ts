import { memoryStorage, refreshTokenGrant, type TokenEvent, TokenManager } from '@tessera/core';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it, vi } from 'vitest';
import { readProof } from '../test/read-proof.js';
import { bindStorageToKey } from './bind-storage.js';
import { createDPoP } from './create-dpop.js';
import { indexedDbKeyStore } from './keys/indexed-db-key-store.js';

const TOKEN_URL = 'https://auth.example.com/token';

/** A token endpoint that records the key of each proof and answers with `at-<n>`/`rt-<n>`. */
function tokenEndpoint() {
  const proofKeys: string[] = [];
  let release: (() => void) | undefined;
  let held = false;
  const fetch = vi.fn(async (_input: string | URL | Request, init?: RequestInit) => {
    proofKeys.push((await readProof(new Headers(init?.headers).get('dpop'))).jkt);
    if (held) await new Promise<void>((resolve) => (release = resolve));
    const n = proofKeys.length;
    return Response.json({
      access_token: `at-${n}`,
      token_type: 'DPoP',
      refresh_token: `rt-${n}`,
      expires_in: 600,
    });
  });
  return {
    fetch,
    proofKeys,
    /** Holds the next answers until `release()`; resolves once a request is waiting. */
    hold: () => {
      held = true;
      return vi.waitFor(() => expect(release).toBeDefined(), { timeout: 5_000 });
    },
    release: () => release?.(),
  };
}

/** A page load on one browser profile: the key in IndexedDB, the session in a storage the tabs share. */
function pageLoad(
  profile: IDBFactory,
  storage: ReturnType<typeof memoryStorage>,
  endpoint = tokenEndpoint(),
  clock = Date.now,
) {
  const dpop = createDPoP({
    keyStore: indexedDbKeyStore({ id: 'spa', indexedDB: profile }),
    fetch: endpoint.fetch,
  });
  const events: TokenEvent[] = [];
  const manager = new TokenManager({
    fetchTokens: refreshTokenGrant({ tokenUrl: TOKEN_URL, clientId: 'spa', fetch: dpop.fetch }),
    storage: bindStorageToKey(storage, dpop),
    tokenTypes: ['DPoP'],
    clock,
  });
  manager.subscribe((event) => events.push(event));
  /** The authorization-code exchange of a sign-in, as `createSignIn` sends it. */
  const signIn = async () => {
    const response = await dpop.fetch(TOKEN_URL, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'c', client_id: 'spa' }),
    });
    await manager.setTokens(await response.json());
  };
  return { dpop, endpoint, events, manager, signIn };
}

const storedKey = async (profile: IDBFactory) => {
  const pair = await indexedDbKeyStore({ id: 'spa', indexedDB: profile }).get();
  return pair && (await createDPoP({ key: pair }).ready()).thumbprint;
};

describe('dpop.removeKey() and the sessions signed in meanwhile', () => {
  it("binds a sign-in made without a reload after another tab's removeKey() to the stored key: the next page load keeps the session", async () => {
    const profile = new IDBFactory();
    const storage = memoryStorage();
    const stale = pageLoad(profile, storage); // tab B, open since before the sign-out
    await stale.dpop.ready();
    await pageLoad(profile, storage).dpop.removeKey(); // tab A signs out

    await stale.signIn(); // tab B signs in, no reload

    const [proofKey] = stale.endpoint.proofKeys;
    expect(await storedKey(profile)).toBe(proofKey);
    expect(storage.get()).toMatchObject({ refreshToken: 'rt-1', dpopJkt: proofKey });
    const next = pageLoad(profile, storage);
    expect(await next.manager.getTokens()).toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-1' });
    expect(next.events.map((e) => e.type)).toEqual(['loaded']);
    expect(next.endpoint.fetch).toHaveBeenCalledTimes(0);
  });

  it("signs a sign-in with the key another tab's sign-in stored after a removeKey(), not the one this tab still holds", async () => {
    // Tabs simulated in one process look like two clients of one page on one id: that warning is expected here.
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const profile = new IDBFactory();
    const storage = memoryStorage();
    const stale = pageLoad(profile, storage);
    const oldKey = (await stale.dpop.ready()).thumbprint;
    await pageLoad(profile, storage).dpop.removeKey();
    const newKey = (await pageLoad(profile, memoryStorage()).dpop.ready()).thumbprint; // tab A's next key

    await stale.signIn();

    expect(newKey).not.toBe(oldKey);
    expect(stale.endpoint.proofKeys).toEqual([newKey]);
    expect((await stale.dpop.ready()).thumbprint).toBe(newKey);
    expect(storage.get()).toMatchObject({ dpopJkt: newKey });
    warn.mockRestore();
  });

  it('never stores a refresh answered after removeKey() in this tab: its tokens are bound to the removed key', async () => {
    const profile = new IDBFactory();
    const storage = memoryStorage();
    let now = Date.now();
    const tab = pageLoad(profile, storage, tokenEndpoint(), () => now);
    await tab.signIn();
    now += 600_000; // the access token expired: the next read refreshes
    const hold = tab.endpoint.hold();

    const refresh = tab.manager.getAccessToken().catch((error: unknown) => error);
    await hold; // the refresh's proof is signed with the key, the answer is on its way
    await tab.dpop.removeKey(); // sign-out without clear()
    tab.endpoint.release();

    expect(await refresh).toMatchObject({ name: 'DPoPKeyLostError', code: 'DPOP_KEY_LOST' });
    expect(tab.endpoint.fetch).toHaveBeenCalledTimes(2);
    // What stays is the old session, bound to the removed key: the next load drops it, never uses at-2.
    expect(storage.get()).toMatchObject({ accessToken: 'at-1', dpopJkt: tab.endpoint.proofKeys[1] });
    expect(tab.manager.peekTokens()?.accessToken).toBe('at-1');
  });

  it('never puts the removed key back when removeKey() lands while a token request reads the key: that request rejects, the next key is new', async () => {
    const profile = new IDBFactory();
    const storage = memoryStorage();
    const tab = pageLoad(profile, storage);
    await tab.signIn();
    const [oldKey] = tab.endpoint.proofKeys;

    const exchange = tab.signIn().catch((error: unknown) => error); // its key read is under way
    await tab.dpop.removeKey(); // sign-out in the same tab

    expect(await exchange).toMatchObject({ name: 'DPoPKeyLostError', code: 'DPOP_KEY_LOST' });
    expect(await storedKey(profile)).toBeUndefined();
    const newKey = (await tab.dpop.ready()).thumbprint;
    expect(newKey).not.toBe(oldKey);
    expect(await storedKey(profile)).toBe(newKey);
    expect(storage.get()).toMatchObject({ refreshToken: 'rt-1' }); // the answer to the removed key's proof is never stored
  });

  it('never stores a key whose generation started before removeKey(): the next key is new, and the next page load signs with it', async () => {
    const profile = new IDBFactory();
    const tab = pageLoad(profile, memoryStorage());
    const generate = crypto.subtle.generateKey.bind(crypto.subtle);
    let finish: (() => void) | undefined;
    const spy = vi.spyOn(crypto.subtle, 'generateKey').mockImplementationOnce(async (...args) => {
      await new Promise<void>((resolve) => (finish = resolve));
      return generate(...(args as Parameters<typeof generate>));
    });
    try {
      const early = tab.signIn().catch((error: unknown) => error); // the first use generates the key
      await vi.waitFor(() => expect(finish).toBeDefined());
      const removed = tab.dpop.removeKey(); // sign-out while the key is being generated
      finish?.();
      await removed;

      // The request that started before the sign-out signed with the early key; its answer is refused.
      expect(await early).toMatchObject({ name: 'DPoPKeyLostError' });
      const [earlyKey] = tab.endpoint.proofKeys;
      expect(await storedKey(profile)).toBeUndefined();
      const next = (await tab.dpop.ready()).thumbprint;
      expect(next).not.toBe(earlyKey);
      expect(await storedKey(profile)).toBe(next);
      expect((await pageLoad(profile, memoryStorage()).dpop.ready()).thumbprint).toBe(next);
    } finally {
      spy.mockRestore();
    }
  });
});
