import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readProof } from '../../test/read-proof.js';
import { createDPoP } from '../create-dpop.js';
import { indexedDbKeyStore } from './indexed-db-key-store.js';

/**
 * An IndexedDB whose first `open` never fires (an old Safari bug) and which works from the next one:
 * the tab falls back to a key in memory at 5 s, and the store is tried once more before the next
 * token request, so a session bound then survives a reload (decision 1202).
 */
const profile = (stuckOpens = 1) => {
  const real = new IDBFactory();
  let opens = 0;
  const factory = {
    open: (name: string, version?: number) => (++opens <= stuckOpens ? {} : real.open(name, version)),
  };
  return { real, factory, opens: () => opens };
};

const token = () => Response.json({ access_token: 'at', token_type: 'DPoP', expires_in: 60 });

/** A page load with its own token endpoint; `proofs` gets the thumbprint of every proof it sends. */
const page = (indexedDB: { open(name: string, version?: number): unknown }) => {
  const proofs: string[] = [];
  const dpop = createDPoP({
    keyStore: indexedDbKeyStore({ id: 'spa', indexedDB }),
    fetch: async (_input, init) => {
      proofs.push((await readProof(new Headers(init?.headers).get('dpop'))).jkt);
      return token();
    },
  });
  const exchange = () =>
    dpop.fetch('https://as.example/token', { method: 'POST', body: 'grant_type=authorization_code' });
  return { dpop, proofs, exchange };
};

/** Lets real work (key generation, fake-indexeddb) run until `done()`. */
const until = async (done: () => boolean) => {
  while (!done()) await new Promise((resolve) => setImmediate(resolve));
};

describe('DPoP key store whose first IndexedDB open never fires', () => {
  let generated = 0;
  beforeEach(() => {
    generated = 0;
    const generate = crypto.subtle.generateKey.bind(crypto.subtle);
    vi.spyOn(crypto.subtle, 'generateKey').mockImplementation(((...args: Parameters<typeof generate>) => {
      generated++;
      return generate(...args);
    }) as typeof generate);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('opens once more at the next token request and stores the key in memory: the session signed in then survives a reload', async () => {
    const browser = profile();
    const tab = page(browser.factory);
    const ready = tab.dpop.ready();
    await until(() => browser.opens() === 1);
    await vi.advanceTimersByTimeAsync(5000);
    const memory = await ready;
    expect(memory).toMatchObject({ persistent: false, fallback: true });

    // Two token requests at once (a code exchange and a PAR): one more open, no new key.
    await Promise.all([tab.exchange(), tab.exchange()]);
    expect(browser.opens()).toBe(2);
    expect(generated).toBe(1);
    expect(tab.proofs).toEqual([memory.thumbprint, memory.thumbprint]);
    expect(await tab.dpop.ready()).toEqual({
      thumbprint: memory.thumbprint,
      persistent: true,
      fallback: false,
    });
    const { DPoP } = await tab.dpop.headersFor({
      method: 'GET',
      url: 'https://api.example/',
      accessToken: 'at',
    });
    expect((await readProof(DPoP)).jkt).toBe(memory.thumbprint);

    // The reload reads the key its session is bound to.
    const reloaded = page(browser.real);
    expect((await reloaded.dpop.ready()).thumbprint).toBe(memory.thumbprint);
    expect(generated).toBe(2); // the reload's candidate, never stored
    expect(vi.getTimerCount()).toBe(0);
  });

  it('signs the next token request with the key an earlier page load stored, as every other tab does', async () => {
    const browser = profile(0);
    const stored = (await page(browser.factory).dpop.ready()).thumbprint;
    const stuck = profile(1);
    // The same profile, whose next page load's first open hangs.
    const factory = {
      open: (name: string, version?: number) =>
        (stuck.opens() ? browser.real : stuck.factory).open(name, version),
    };
    const tab = page(factory);
    const ready = tab.dpop.ready();
    await until(() => stuck.opens() === 1);
    await vi.advanceTimersByTimeAsync(5000);
    const memory = await ready;
    expect(memory.thumbprint).not.toBe(stored);

    await tab.exchange();
    expect(tab.proofs).toEqual([stored]);
    expect(await tab.dpop.ready()).toEqual({ thumbprint: stored, persistent: true, fallback: false });
  });

  it('a removeKey() while the retry stores the key leaves it stored nowhere, and the next sign-in on the page is stored', async () => {
    const browser = profile();
    const tab = page(browser.factory);
    const ready = tab.dpop.ready();
    await until(() => browser.opens() === 1);
    await vi.advanceTimersByTimeAsync(5000);
    const removed = (await ready).thumbprint;

    // Signed out while the first token request's retry opens IndexedDB and stores the key in memory.
    const exchange = tab.exchange();
    await until(() => browser.opens() === 2);
    await tab.dpop.removeKey();
    await expect(exchange).rejects.toMatchObject({ name: 'DPoPKeyLostError' });
    expect((await page(browser.real).dpop.ready()).thumbprint).not.toBe(removed);

    // Signed in again on this page: the new key is the stored one, so its session survives a reload.
    await page(browser.real).dpop.removeKey();
    await tab.exchange();
    const signedIn = tab.proofs.at(-1);
    expect(signedIn).not.toBe(removed);
    expect(await tab.dpop.ready()).toEqual({ thumbprint: signedIn, persistent: true, fallback: false });
    expect((await page(browser.real).dpop.ready()).thumbprint).toBe(signedIn);
    expect(browser.opens()).toBe(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('two tabs whose first opens hung, retrying at once: one key stored, both sign with it', async () => {
    const browser = profile(2);
    const tabs = [page(browser.factory), page(browser.factory)];
    const ready = tabs.map((tab) => tab.dpop.ready());
    await until(() => browser.opens() === 2);
    await vi.advanceTimersByTimeAsync(5000);
    const memory = await Promise.all(ready);
    expect(memory[0]?.thumbprint).not.toBe(memory[1]?.thumbprint);

    await Promise.all(tabs.map((tab) => tab.exchange()));
    const stored = (await page(browser.real).dpop.ready()).thumbprint;
    expect(memory.map((key) => key.thumbprint)).toContain(stored);
    expect(tabs.map((tab) => tab.proofs)).toEqual([[stored], [stored]]);
    expect(browser.opens()).toBe(4);
  });

  it('tries once: an open that hangs again keeps the key in memory, and later requests open nothing', async () => {
    const browser = profile(2);
    const tab = page(browser.factory);
    const ready = tab.dpop.ready();
    await until(() => browser.opens() === 1);
    await vi.advanceTimersByTimeAsync(5000);
    const memory = await ready;

    const first = tab.exchange();
    await until(() => browser.opens() === 2);
    await vi.advanceTimersByTimeAsync(5000);
    await first;
    await tab.exchange();
    await tab.dpop.reloadKey();
    expect(browser.opens()).toBe(2);
    expect(generated).toBe(1);
    expect(tab.proofs).toEqual([memory.thumbprint, memory.thumbprint]);
    expect(await tab.dpop.ready()).toEqual({
      thumbprint: memory.thumbprint,
      persistent: false,
      fallback: true,
    });
    expect(vi.getTimerCount()).toBe(0);
  });
});
