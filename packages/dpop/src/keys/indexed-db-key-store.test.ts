import { generateKeyPairSync } from 'node:crypto';
import { forceCloseDatabase, IDBFactory, IDBObjectStore } from 'fake-indexeddb';
import { calculateJwkThumbprint } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readProof } from '../../test/read-proof.js';
import { createDPoP } from '../create-dpop.js';
import type { DPoPEvent } from '../dpop-event.js';
import { DPoPUnsupportedKeyError } from '../errors/dpop-unsupported-key-error.js';
import { indexedDbKeyStore } from './indexed-db-key-store.js';

/** A "page load": a new DPoP instance on the browser profile's IndexedDB. */
const load = (indexedDB: IDBFactory, clientId = 'spa') =>
  createDPoP({ keyStore: indexedDbKeyStore({ id: clientId, indexedDB }) });

describe('DPoP key in IndexedDB', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it('says without loading the key whether it outlives the instance: a passed key or a persistent store, not memory', () => {
    expect(createDPoP().persistent).toBe(false);
    expect(
      createDPoP({ key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey }).persistent,
    ).toBe(true);
    expect(load(new IDBFactory()).persistent).toBe(true);
  });

  it('survives a reload: the next page load signs with the same key', async () => {
    const profile = new IDBFactory();
    const before = await load(profile).ready();
    const after = await load(profile).ready();
    expect(after).toEqual({ thumbprint: before.thumbprint, persistent: true, fallback: false });
  });

  it('gives 5 tabs opening at once one key', async () => {
    const profile = new IDBFactory();
    const tabs = await Promise.all(Array.from({ length: 5 }, () => load(profile).ready()));
    expect(new Set(tabs.map((t) => t.thumbprint)).size).toBe(1);
  });

  it('keeps one key per client id', async () => {
    const profile = new IDBFactory();
    const [a, b] = await Promise.all([load(profile, 'a').ready(), load(profile, 'b').ready()]);
    expect(a.thumbprint).not.toBe(b.thumbprint);
  });

  it('stores a non-extractable private key, never its bytes', async () => {
    const profile = new IDBFactory();
    const store = indexedDbKeyStore({ id: 'spa', indexedDB: profile });
    await load(profile).ready();
    const pair = await store.get();
    expect(pair?.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('jwk', pair?.privateKey as CryptoKey)).rejects.toThrow();
  });

  it('replaces a stale, unreadable entry instead of failing', async () => {
    const profile = new IDBFactory();
    const store = indexedDbKeyStore({ id: 'spa', indexedDB: profile });
    await load(profile).ready();
    const db = await new Promise<IDBDatabase>((resolve) => {
      const open = profile.open('tessera-dpop', 1);
      open.onsuccess = () => resolve(open.result);
    });
    await new Promise((resolve) => {
      const tx = db.transaction('keys', 'readwrite');
      tx.objectStore('keys').put({ privateKey: null }, 'spa');
      tx.oncomplete = resolve;
    });
    db.close();

    const info = await load(profile).ready();
    expect((await store.get())?.privateKey).toBeDefined();
    expect(info.persistent).toBe(true);
  });

  it('replaces a well-formed but unusable stored key (a P-384 pair) instead of falling back to memory on every load', async () => {
    const profile = new IDBFactory();
    const store = indexedDbKeyStore({ id: 'spa', indexedDB: profile });
    const wrong = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, false, [
      'sign',
      'verify',
    ]);
    await store.getOrAdd(wrong);
    const events: DPoPEvent[] = [];

    const info = await createDPoP({
      keyStore: indexedDbKeyStore({ id: 'spa', indexedDB: profile }),
      onEvent: (e) => events.push(e),
    }).ready();

    expect(info.persistent).toBe(true);
    expect(events).toEqual([]);
    expect((await store.get())?.privateKey).not.toBe(wrong.privateKey);
    expect(await load(profile).ready()).toEqual(info);
  });

  it.each([
    ['a JWK object', (_: CryptoKeyPair) => ({ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' })],
    ['a P-384 public key', (other: CryptoKeyPair) => other.publicKey],
    ['its private key', (_: CryptoKeyPair, own: CryptoKeyPair) => own.privateKey],
  ])(
    'replaces a stored P-256 private key whose public key is %s instead of falling back to memory on every load',
    async (_, publicKeyOf) => {
      const profile = new IDBFactory();
      const store = indexedDbKeyStore({ id: 'spa', indexedDB: profile });
      const own = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
        'sign',
        'verify',
      ]);
      const other = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, false, [
        'sign',
        'verify',
      ]);
      await store.getOrAdd({ privateKey: own.privateKey, publicKey: publicKeyOf(other, own) } as never);
      const events: DPoPEvent[] = [];

      const info = await createDPoP({
        keyStore: indexedDbKeyStore({ id: 'spa', indexedDB: profile }),
        onEvent: (e) => events.push(e),
      }).ready();

      expect(info).toMatchObject({ persistent: true, fallback: false });
      expect(events).toEqual([]);
      expect((await store.get())?.privateKey).not.toBe(own.privateKey);
      expect(await load(profile).ready()).toEqual(info);
    },
  );

  it('falls back to an in-memory key when IndexedDB cannot be opened, and says the session will not survive a reload', async () => {
    const broken = {
      open: () => {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
    } as unknown as IDBFactory;
    const events: DPoPEvent[] = [];
    const dpop = createDPoP({
      keyStore: indexedDbKeyStore({ id: 'spa', indexedDB: broken }),
      onEvent: (e) => events.push(e),
    });

    expect(dpop.persistent).toBe(true); // the store's claim, until it fails
    const info = await dpop.ready();
    const { DPoP } = await dpop.headersFor({ method: 'GET', url: 'https://api.example/', accessToken: 't' });

    expect(info.persistent).toBe(false);
    expect(dpop.persistent).toBe(false);
    expect((await readProof(DPoP)).jkt).toBe(info.thumbprint);
    expect(events.map((e) => e.type)).toEqual(['key_not_persistent']);
    expect((await dpop.ready()).thumbprint).toBe(info.thumbprint);
  });

  it('falls back when the open request fails asynchronously', async () => {
    const failing = {
      open: () => {
        const request: Partial<IDBOpenDBRequest> & { error: DOMException } = {
          error: new DOMException('denied', 'UnknownError'),
        };
        queueMicrotask(() => request.onerror?.call(request as IDBOpenDBRequest, new Event('error')));
        return request;
      },
    } as unknown as IDBFactory;
    const dpop = createDPoP({ keyStore: indexedDbKeyStore({ id: 'spa', indexedDB: failing }) });
    expect((await dpop.ready()).persistent).toBe(false);
  });

  it.each([
    [
      'blocked',
      () => {
        const request: Partial<IDBOpenDBRequest> = {};
        queueMicrotask(() =>
          request.onblocked?.call(request as IDBOpenDBRequest, new Event('blocked') as never),
        );
        return request;
      },
    ],
    [
      'refused by a browser that has no IndexedDB in private windows (InvalidStateError)',
      () => {
        throw new DOMException(
          'A mutation operation was attempted on a database that did not allow mutations.',
          'InvalidStateError',
        );
      },
    ],
  ])('falls back to a key in memory, once, when the open is %s', async (_, open) => {
    const events: DPoPEvent[] = [];
    const dpop = createDPoP({
      keyStore: indexedDbKeyStore({ id: 'spa', indexedDB: { open } }),
      onEvent: (e) => events.push(e),
    });

    const [info, again] = await Promise.all([dpop.ready(), dpop.ready()]);

    expect(info).toEqual({ thumbprint: again.thumbprint, persistent: false, fallback: true });
    expect(events.map((e) => e.type)).toEqual(['key_not_persistent']);
  });

  it('falls back to a key in memory when the open never settles (an old Safari bug), after 5 s, leaving no timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const requests: Partial<IDBOpenDBRequest>[] = [];
      const hanging = { open: () => requests[requests.push({}) - 1] };
      const events: DPoPEvent[] = [];
      const dpop = createDPoP({
        keyStore: indexedDbKeyStore({ id: 'spa', indexedDB: hanging }),
        onEvent: (e) => events.push(e),
      });
      let info: unknown;
      void dpop.ready().then((value) => (info = value));
      // The open comes after the key is generated (real work, off the faked timers).
      while (requests.length === 0) await new Promise((resolve) => setImmediate(resolve));

      await vi.advanceTimersByTimeAsync(4999);
      expect(info).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);

      await vi.waitFor(() => expect(info).toMatchObject({ persistent: false, fallback: true }), {
        timeout: 3000,
      });
      expect(events.map((e) => e.type)).toEqual(['key_not_persistent']);
      expect(requests).toHaveLength(1);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('closes an open that lands after the 5 s fallback, and keeps signing with the key in memory: no key switch mid-session', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const requests: Partial<IDBOpenDBRequest>[] = [];
      const slow = { open: () => requests[requests.push({}) - 1] };
      const dpop = createDPoP({ keyStore: indexedDbKeyStore({ id: 'spa', indexedDB: slow }) });
      const ready = dpop.ready();
      while (requests.length === 0) await new Promise((resolve) => setImmediate(resolve));
      await vi.advanceTimersByTimeAsync(5000);
      const info = await ready;

      const late = { close: vi.fn(), transaction: vi.fn() };
      const request = requests[0] as IDBOpenDBRequest;
      Object.defineProperty(request, 'result', { value: late });
      request.onsuccess?.call(request, new Event('success'));

      expect(late.close).toHaveBeenCalledTimes(1);
      const { DPoP } = await dpop.headersFor({
        method: 'GET',
        url: 'https://api.example/',
        accessToken: 't',
      });
      expect((await readProof(DPoP)).jkt).toBe(info.thumbprint);
      expect(await dpop.ready()).toEqual({ thumbprint: info.thumbprint, persistent: false, fallback: true });
      expect(late.transaction).not.toHaveBeenCalled();
      expect(requests).toHaveLength(1);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('clears the open timeout once the database opens: no timer left alive', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const store = indexedDbKeyStore({ id: 'spa', indexedDB: new IDBFactory() });
      expect(await store.get()).toBeUndefined();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('falls back when the page has no IndexedDB at all', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const events: DPoPEvent[] = [];
    const dpop = createDPoP({ keyStore: indexedDbKeyStore({ id: 'spa' }), onEvent: (e) => events.push(e) });

    expect(await dpop.ready()).toMatchObject({ persistent: false, fallback: true });
    expect(events.map((e) => e.type)).toEqual(['key_not_persistent']);
  });

  it('falls back when IndexedDB opens but cannot store the key (DataCloneError), and leaves nothing stored', async () => {
    const profile = new IDBFactory();
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('CryptoKey cannot be cloned', 'DataCloneError');
    });
    const events: DPoPEvent[] = [];
    const dpop = createDPoP({
      keyStore: indexedDbKeyStore({ id: 'spa', indexedDB: profile }),
      onEvent: (e) => events.push(e),
    });

    const info = await dpop.ready();
    const { DPoP } = await dpop.headersFor({ method: 'GET', url: 'https://api.example/', accessToken: 't' });

    expect(info).toMatchObject({ persistent: false, fallback: true });
    expect((await readProof(DPoP)).jkt).toBe(info.thumbprint);
    expect(events.map((e) => e.type)).toEqual(['key_not_persistent']);
    vi.restoreAllMocks();
    expect(await indexedDbKeyStore({ id: 'spa', indexedDB: profile }).get()).toBeUndefined();
  });

  it('removeKey deletes the stored key: the next load has a new one', async () => {
    const profile = new IDBFactory();
    const dpop = load(profile);
    const before = await dpop.ready();
    await dpop.removeKey();
    expect(await indexedDbKeyStore({ id: 'spa', indexedDB: profile }).get()).toBeUndefined();
    expect((await load(profile).ready()).thumbprint).not.toBe(before.thumbprint);
  });

  it('opens the database again after another tab deleted it: a sign-in after sign-out here keeps its key across a reload', async () => {
    const profile = new IDBFactory();
    const events: DPoPEvent[] = [];
    const tab = createDPoP({
      keyStore: indexedDbKeyStore({ id: 'spa', indexedDB: profile }),
      onEvent: (event) => events.push(event),
    });
    await tab.ready();
    // Another tab's "clear everything" sign-out: this tab's connection gets versionchange and closes.
    await new Promise<void>((resolve, reject) => {
      const request = profile.deleteDatabase('tessera-dpop');
      request.onsuccess = () => resolve();
      request.onerror = () => reject(request.error);
    });
    await tab.removeKey();
    const signedIn = await tab.ready();
    expect(signedIn).toMatchObject({ persistent: true, fallback: false });
    expect(events).toEqual([]);
    expect((await load(profile).ready()).thumbprint).toBe(signedIn.thumbprint);
  });

  it('opens the database again after the browser closed the connection (site data cleared): the next sign-in keeps its key across a reload', async () => {
    const profile = new IDBFactory();
    const connections: unknown[] = [];
    // The profile, seen through its connections: the browser closes one without a versionchange.
    const indexedDB = {
      open: (name: string, version?: number) => {
        const request = profile.open(name, version);
        request.addEventListener('success', () => connections.push(request.result));
        return request;
      },
    };
    const events: DPoPEvent[] = [];
    const tab = createDPoP({
      keyStore: indexedDbKeyStore({ id: 'spa', indexedDB }),
      onEvent: (event) => events.push(event),
    });
    await tab.ready();
    // What Clear site data or a storage eviction does: the connection closes and fires `close`.
    forceCloseDatabase(connections[0] as never);
    await tab.removeKey();
    const signedIn = await tab.ready();
    expect(signedIn).toMatchObject({ persistent: true, fallback: false });
    expect(events).toEqual([]);
    expect(connections).toHaveLength(2);
    expect((await load(profile).ready()).thumbprint).toBe(signedIn.thumbprint);
  });

  it('removeKey never rejects, even when the delete fails', async () => {
    const dpop = createDPoP({
      keyStore: {
        persistent: true,
        get: async () => undefined,
        getOrAdd: async (candidate) => candidate,
        remove: async () => {
          throw new Error('disk full');
        },
      },
    });
    await dpop.ready();
    await expect(dpop.removeKey()).resolves.toBeUndefined();
  });
});

describe('DPoP key given by the app (Node)', () => {
  it('signs with a KeyObject and reports its RFC 7638 thumbprint', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const dpop = createDPoP({ key: privateKey });

    const { thumbprint, persistent } = await dpop.ready();
    const { DPoP } = await dpop.headersFor({ method: 'GET', url: 'https://api.example/', accessToken: 't' });

    expect(thumbprint).toBe(await calculateJwkThumbprint(publicKey.export({ format: 'jwk' }) as never));
    expect((await readProof(DPoP)).jkt).toBe(thumbprint);
    expect(persistent).toBe(true);
  });

  it('signs with a CryptoKeyPair', async () => {
    const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'sign',
      'verify',
    ]);
    const dpop = createDPoP({ key: pair });
    const { DPoP } = await dpop.headersFor({ method: 'GET', url: 'https://api.example/', accessToken: 't' });
    expect((await readProof(DPoP)).jkt).toBe((await dpop.ready()).thumbprint);
  });

  it('rejects a CryptoKeyPair whose public key is another pair’s before sending anything, naming the mismatch', async () => {
    const generate = () =>
      crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
    const [one, other] = await Promise.all([generate(), generate()]);
    const sent: string[] = [];
    const dpop = createDPoP({
      key: { privateKey: one.privateKey, publicKey: other.publicKey },
      fetch: async (input) => {
        sent.push(String(input));
        return new Response('{}');
      },
    });

    const error = await dpop.fetch('https://as.example/token', { method: 'POST' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DPoPUnsupportedKeyError);
    expect(error).toMatchObject({
      code: 'DPOP_UNSUPPORTED_KEY',
      message: expect.stringContaining('paired with its own public key'),
      cause: { message: 'mismatched key pair' },
    });
    await expect(
      dpop.headersFor({ method: 'GET', url: 'https://api.example/', accessToken: 't' }),
    ).rejects.toBeInstanceOf(DPoPUnsupportedKeyError);
    expect(sent).toEqual([]);
  });

  it.each([
    ['an RSA KeyObject', () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey],
    ['a P-384 KeyObject', () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey],
    ['a public KeyObject', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey],
    [
      'an Ed25519 CryptoKeyPair',
      () =>
        crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']) as Promise<CryptoKeyPair>,
    ],
    ['something else', () => ({ privateKey: 'pem' })],
  ])('rejects %s with DPoPUnsupportedKeyError', async (_, make) => {
    const dpop = createDPoP({ key: (await make()) as never });
    await expect(dpop.ready()).rejects.toBeInstanceOf(DPoPUnsupportedKeyError);
    await expect(
      dpop.headersFor({ method: 'GET', url: 'https://a.example/', accessToken: 't' }),
    ).rejects.toMatchObject({
      code: 'DPOP_UNSUPPORTED_KEY',
    });
  });
});
