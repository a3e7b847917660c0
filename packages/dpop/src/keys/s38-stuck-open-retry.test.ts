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
