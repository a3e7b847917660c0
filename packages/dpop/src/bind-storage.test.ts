import { memoryStorage, type TokenEvent, TokenManager, type TokenSet } from '@tessera/core';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it, vi } from 'vitest';
import { bindStorageToKey } from './bind-storage.js';
import { createDPoP } from './create-dpop.js';
import type { DPoPEvent } from './dpop-event.js';
import { DPoPKeyLostError } from './errors/dpop-key-lost-error.js';
import { indexedDbKeyStore } from './keys/indexed-db-key-store.js';

const session: TokenSet = {
  accessToken: 'at-1',
  tokenType: 'DPoP',
  refreshToken: 'rt-1',
  expiresAt: Date.now() - 1_000,
};

/** A memory storage with a subscription; `publish` plays another tab's change. */
function subscribableStorage() {
  let listener: (value: unknown) => void = () => {};
  const inner = {
    ...memoryStorage(),
    subscribe: (onChange: (value: unknown) => void) => {
      listener = onChange;
      return () => {};
    },
  };
  return { inner, publish: (value: unknown) => listener(value) };
}

/** A page load on one browser profile: IndexedDB for the key, a shared storage for the session. */
function pageLoad(profile: IDBFactory, storage: ReturnType<typeof memoryStorage>) {
  const events: DPoPEvent[] = [];
  const dpop = createDPoP({
    keyStore: indexedDbKeyStore({ id: 'spa', indexedDB: profile }),
    onEvent: (e) => events.push(e),
  });
  const fetchTokens = vi.fn(async ({ refreshToken }: { refreshToken: string | undefined }) => ({
    access_token: refreshToken ? `refreshed-with-${refreshToken}` : 'signed-in-again',
    token_type: 'DPoP',
    expires_in: 60,
  }));
  const managerEvents: TokenEvent[] = [];
  const manager = new TokenManager({
    fetchTokens,
    storage: bindStorageToKey(storage, dpop),
    tokenTypes: ['DPoP'],
  });
  manager.subscribe((e) => managerEvents.push(e));
  return { dpop, events, fetchTokens, manager, managerEvents };
}

describe(bindStorageToKey, () => {
  it('stores the key thumbprint with the tokens', async () => {
    const storage = memoryStorage();
    const dpop = createDPoP();
    await bindStorageToKey(storage, dpop).set(session);
    expect(storage.get()).toEqual({ ...session, dpopJkt: (await dpop.ready()).thumbprint });
  });

  it('keeps the session across a reload when the key is still there: the refresh token is used', async () => {
    const profile = new IDBFactory();
    const storage = memoryStorage();
    await bindStorageToKey(storage, pageLoad(profile, storage).dpop).set(session);

    const next = pageLoad(profile, storage);
    expect(await next.manager.getAccessToken()).toBe('refreshed-with-rt-1');
    expect(next.fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('drops the session and raises DPoPKeyLostError when the key was deleted: the refresh token is never sent', async () => {
    const storage = memoryStorage();
    await bindStorageToKey(storage, pageLoad(new IDBFactory(), storage).dpop).set(session);

    // The IndexedDB store is gone between page loads (cleared site data, another profile).
    const next = pageLoad(new IDBFactory(), storage);
    const token = await next.manager.getAccessToken();

    expect(token).toBe('signed-in-again');
    expect(next.fetchTokens).toHaveBeenCalledTimes(1);
    expect(next.fetchTokens.mock.calls[0]?.[0].refreshToken).toBeUndefined();
    const storageError = next.managerEvents.find((e) => e.type === 'storage_error');
    expect(storageError).toMatchObject({ operation: 'get' });
    expect((storageError as { error: unknown }).error).toBeInstanceOf(DPoPKeyLostError);
    expect((storageError as { error: unknown }).error).toMatchObject({
      code: 'DPOP_KEY_LOST',
      reason: 'thumbprint_mismatch',
    });
  });

  it('leaves the session bound to the stored key alone when this page load fell back to a key in memory: not adopted, not removed', async () => {
    const profile = new IDBFactory();
    const storage = memoryStorage();
    const first = pageLoad(profile, storage);
    await bindStorageToKey(storage, first.dpop).set(session);

    // IndexedDB fails for the next page load, its one retry included: its key is a stand-in in memory.
    let fail = 2;
    const flaky = {
      open: (name: string, version?: number) => {
        if (!fail) return profile.open(name, version);
        fail--;
        throw new DOMException('lost', 'UnknownError');
      },
    } as unknown as IDBFactory;
    const fallback = pageLoad(flaky, storage);

    expect(await bindStorageToKey(storage, fallback.dpop).get()).toBeUndefined();
    expect(await fallback.dpop.ready()).toMatchObject({ persistent: false, fallback: true });
    expect(fallback.events.map((e) => e.type)).toEqual(['key_not_persistent']);
    expect(storage.get()).toMatchObject({ refreshToken: 'rt-1' });

    // The tabs that can read the stored key keep the session.
    const next = pageLoad(profile, storage);
    expect((await next.dpop.ready()).thumbprint).toBe((await first.dpop.ready()).thumbprint);
    expect(await next.manager.getAccessToken()).toBe('refreshed-with-rt-1');
  });

  it('takes the stored session back when the page load’s first IndexedDB open failed once: the retry at the first read signs with the stored key', async () => {
    const profile = new IDBFactory();
    const storage = memoryStorage();
    const first = pageLoad(profile, storage);
    await bindStorageToKey(storage, first.dpop).set(session);
    const stored = (await first.dpop.ready()).thumbprint;

    let opens = 0;
    const flaky = {
      open: (name: string, version?: number) => {
        if (++opens > 1) return profile.open(name, version);
        throw new DOMException('lost', 'UnknownError');
      },
    } as unknown as IDBFactory;
    const recovered = pageLoad(flaky, storage);

    expect(await bindStorageToKey(storage, recovered.dpop).get()).toMatchObject({ refreshToken: 'rt-1' });
    expect(await recovered.dpop.ready()).toEqual({ thumbprint: stored, persistent: true, fallback: false });
    expect(opens).toBe(2);
    expect(await recovered.manager.getAccessToken()).toBe('refreshed-with-rt-1');
  });

  it('takes the session another tab signed in with after a sign-out replaced the key, rather than removing it from every tab', async () => {
    const profile = new IDBFactory();
    const storage = memoryStorage();
    const stale = pageLoad(profile, storage); // tab B, open since before the sign-out
    await stale.manager.ready();
    const oldKey = (await stale.dpop.ready()).thumbprint;

    // Tab A signs out (the recommended `dpop.removeKey()`), then signs in again: a new page load, a new key.
    await pageLoad(profile, storage).dpop.removeKey();
    const signedIn = pageLoad(profile, storage);
    await signedIn.manager.setTokens({
      access_token: 'at-2',
      token_type: 'DPoP',
      refresh_token: 'rt-2',
      expires_in: 600,
    });
    const newKey = (await signedIn.dpop.ready()).thumbprint;
    expect(newKey).not.toBe(oldKey);

    // Tab B's next API call.
    expect(await stale.manager.getAccessToken()).toBe('at-2');
    expect(stale.fetchTokens).not.toHaveBeenCalled();
    expect(storage.get()).toMatchObject({ refreshToken: 'rt-2', dpopJkt: newKey });
    // Its proofs now come from the key the tokens are bound to.
    expect((await stale.dpop.ready()).thumbprint).toBe(newKey);
    expect(stale.managerEvents.map((e) => e.type)).not.toContain('storage_error');
  });

  it('passes a sign-in another tab made with a new key after a sign-out, and switches to that key', async () => {
    const { inner, publish } = subscribableStorage();
    const profile = new IDBFactory();
    const dpop = createDPoP({ keyStore: indexedDbKeyStore({ id: 'spa', indexedDB: profile }) });
    await dpop.ready();
    const seen: unknown[] = [];
    bindStorageToKey(inner, dpop).subscribe?.((value) => seen.push(value));

    await createDPoP({ keyStore: indexedDbKeyStore({ id: 'spa', indexedDB: profile }) }).removeKey();
    const { thumbprint } = await createDPoP({
      keyStore: indexedDbKeyStore({ id: 'spa', indexedDB: profile }),
    }).ready();
    publish(null);
    publish({ ...session, dpopJkt: thumbprint });
    await vi.waitFor(() => expect(seen).toHaveLength(2));

    expect(seen).toEqual([null, { ...session, dpopJkt: thumbprint }]);
    expect((await dpop.ready()).thumbprint).toBe(thumbprint);
  });

  it('does not sign a tab back in with a set it heard of just before signing out, while its key was still loading', async () => {
    const { inner, publish } = subscribableStorage();
    const dpop = createDPoP();
    const { thumbprint } = await dpop.ready();
    let keyLoaded!: () => void;
    const loading = new Promise<void>((resolve) => {
      keyLoaded = resolve;
    });
    // The key of this page load is still being read from IndexedDB (up to 5 s on a slow open).
    const slowKey = { ready: () => loading.then(() => dpop.ready()) };
    const events: TokenEvent[] = [];
    const manager = new TokenManager({
      fetchTokens: vi.fn(),
      storage: bindStorageToKey(inner, slowKey),
      tokenTypes: ['DPoP'],
    });
    manager.subscribe((e) => events.push(e));
    await manager.ready();

    publish({ ...session, expiresAt: Date.now() + 600_000, dpopJkt: thumbprint }); // another tab's refresh
    await manager.clear(); // the user signs out here right after
    keyLoaded();
    await vi.waitFor(() => expect(events.map((e) => e.type)).toContain('cleared'));
    await new Promise((resolve) => setImmediate(resolve)); // lets the delivery queue run; no time passes

    expect(manager.peekTokens()).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['loaded', 'cleared']);
    manager.dispose();
  });

  it('removes the stale session from storage', async () => {
    const storage = memoryStorage();
    await bindStorageToKey(storage, createDPoP()).set(session);
    const bound = bindStorageToKey(storage, createDPoP());

    await expect(bound.get()).rejects.toMatchObject({ code: 'DPOP_KEY_LOST' });
    expect(storage.get()).toBeUndefined();
  });

  it('drops a session stored without DPoP (not bound to any key)', async () => {
    const storage = memoryStorage();
    storage.set(session);
    const bound = bindStorageToKey(storage, createDPoP());
    const error = await Promise.resolve()
      .then(() => bound.get())
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DPOP_KEY_LOST', reason: 'session_not_bound' });
    expect(JSON.stringify(error)).not.toMatch(/at-1|rt-1/);
    expect((error as Error).message).not.toMatch(/at-1|rt-1/);
  });

  it.each(['session_not_bound', 'thumbprint_mismatch'] as const)(
    'says in the message why the session was dropped (%s) and to sign in again',
    (reason) => {
      expect(new DPoPKeyLostError(reason).message).toBe(
        `The stored session was dropped (${reason}): it is not bound to the current DPoP key. Sign in again.`,
      );
    },
  );

  it('returns empty storage as empty', async () => {
    const bound = bindStorageToKey(memoryStorage(), createDPoP());
    expect(await Promise.resolve(bound.get())).toBeUndefined();
  });

  it('ignores a session another tab bound to another key, and passes its own key and removals', async () => {
    const { inner, publish } = subscribableStorage();
    const dpop = createDPoP();
    const { thumbprint } = await dpop.ready();
    const seen: unknown[] = [];
    bindStorageToKey(inner, dpop).subscribe?.((value) => seen.push(value));

    publish({ ...session, dpopJkt: 'another-key' });
    publish({ ...session, dpopJkt: thumbprint });
    publish(null);
    await vi.waitFor(() => expect(seen).toHaveLength(2));

    expect(seen).toEqual([{ ...session, dpopJkt: thumbprint }, null]);
  });
});
