import { crossTab, memoryStorage, refreshTokenGrant, TokenManager } from '@tessera/core';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it, vi } from 'vitest';
import { readProof } from '../test/read-proof.js';
import { createDPoP } from './create-dpop.js';
import { indexedDbKeyStore } from './keys/indexed-db-key-store.js';
import type { DPoPKeyStore } from './keys/key-store.js';

const answer = { token_type: 'DPoP', refresh_token: 'rt', expires_in: 600 };

/** One client of the origin: its own key, its own storage, `crossTab()` with the default name. */
function client(key: string) {
  const storage = memoryStorage();
  const fetchTokens = vi.fn(async () => ({ ...answer, access_token: `refreshed-${key}` }));
  const manager = new TokenManager({
    key,
    senderConstraint: createDPoP(),
    storage,
    crossTab: crossTab(),
    fetchTokens,
  });
  const events: string[] = [];
  manager.subscribe((event) => events.push(event.type));
  return { manager, storage, events, fetchTokens };
}

describe('two DPoP clients on one origin (decision 1202)', () => {
  it('keep their sessions apart when each manager has its own key: no DPoPKeyLostError, no sign-out', async () => {
    const web = client('web');
    const admin = client('admin');
    const heard = new BroadcastChannel('tessera');
    const webAnnounced = new Promise((resolve) => (heard.onmessage = resolve));
    await admin.manager.setTokens({ ...answer, access_token: 'admin-1' });
    await web.manager.setTokens({ ...answer, access_token: 'web-1' });
    await webAnnounced; // the admin tabs heard the web client's sign-in too

    await admin.manager.invalidate('admin-1'); // a refresh re-reads storage under the lock
    expect(await admin.manager.getAccessToken()).toBe('refreshed-admin');

    expect(admin.events).toEqual(['tokens_set', 'invalidated', 'refreshed']);
    expect(web.events).toEqual(['tokens_set']);
    expect(web.manager.peekTokens()?.accessToken).toBe('web-1');
    expect(web.storage.get()).toMatchObject({ accessToken: 'web-1' });
    expect(admin.fetchTokens).toHaveBeenCalledTimes(1);
    heard.close();
    web.manager.dispose();
    admin.manager.dispose();
  });
});

const TOKEN_URL = 'https://auth.example.com/token';

/** A token endpoint that binds each refresh token to its proof's key and refuses it under another key. */
function authorizationServer() {
  const boundTo = new Map<string, string>();
  const requests: string[] = [];
  const fetch = vi.fn(async (_input: string | URL | Request, init?: RequestInit) => {
    const { jkt } = await readProof(new Headers(init?.headers).get('dpop'));
    const body = new URLSearchParams(String(init?.body));
    const client = body.get('client_id') ?? '';
    requests.push(`${client} ${body.get('grant_type')}`);
    const refreshToken = body.get('refresh_token');
    if (refreshToken !== null && boundTo.get(refreshToken) !== jkt) {
      return Response.json({ error: 'invalid_grant' }, { status: 400 });
    }
    const n = requests.length;
    boundTo.set(`rt-${client}-${n}`, jkt);
    return Response.json({
      access_token: `at-${client}-${n}`,
      token_type: 'DPoP',
      refresh_token: `rt-${client}-${n}`,
      expires_in: 600,
    });
  });
  return { fetch, requests };
}

/** One page load of one OAuth client, wired as the README shows, with `createDPoP`'s key store left to `keyStore`. */
function pageLoadOf(
  clientId: string,
  server: ReturnType<typeof authorizationServer>,
  storage: ReturnType<typeof memoryStorage>,
  keyStore: DPoPKeyStore | undefined,
  clock: () => number,
) {
  const dpop = createDPoP(keyStore ? { keyStore, fetch: server.fetch } : { fetch: server.fetch });
  const manager = new TokenManager({
    key: clientId,
    senderConstraint: dpop,
    storage,
    fetchTokens: refreshTokenGrant({ tokenUrl: TOKEN_URL, clientId }),
    clock,
  });
  const events: string[] = [];
  manager.subscribe((event) => events.push(event.type));
  /** The authorization-code exchange of a sign-in, as `createSignIn` sends it. */
  const signIn = async () => {
    const body = new URLSearchParams({ grant_type: 'authorization_code', code: 'c', client_id: clientId });
    const response = await dpop.fetch(TOKEN_URL, { method: 'POST', body });
    await manager.setTokens(await response.json());
  };
  return { dpop, manager, events, signIn };
}

describe.each([
  ['createDPoP() with its default key store (a key in memory per instance)', false],
  ['indexedDbKeyStore({ id: clientId }) per client on one IndexedDB', true],
])('two DPoP clients on one origin, %s (decision 1202)', (_, persistent) => {
  it("keeps one client's session when the other signs out, removes its key and signs in again: no refresh refused, nobody signed out", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const profile = new IDBFactory();
    const server = authorizationServer();
    let now = Date.now();
    const clock = () => now;
    const storages = { web: memoryStorage(), admin: memoryStorage() };
    const load = (clientId: 'web' | 'admin') =>
      pageLoadOf(
        clientId,
        server,
        storages[clientId],
        persistent ? indexedDbKeyStore({ id: clientId, indexedDB: profile }) : undefined,
        clock,
      );
    const web = load('web');
    const admin = load('admin');
    await web.signIn();
    await admin.signIn();

    await admin.manager.clear(); // admin's sign-out, as the README shows it
    await admin.dpop.removeKey();
    await admin.signIn(); // a new session with a new key
    expect(await admin.manager.getAccessToken()).toBe('at-admin-3');
    now += 600_000; // web's access token expired: the next read refreshes

    expect(await web.manager.getAccessToken()).toBe('at-web-4');
    expect(server.requests).toEqual([
      'web authorization_code',
      'admin authorization_code',
      'admin authorization_code',
      'web refresh_token',
    ]);
    expect(web.events).toEqual(['tokens_set', 'refreshed']);
    expect(admin.events).toEqual(['tokens_set', 'cleared', 'tokens_set']);
    if (persistent) {
      // The next page load of each client finds its session and its key: no request, no DPoPKeyLostError.
      const next = { web: load('web'), admin: load('admin') };
      expect(await next.web.manager.getAccessToken()).toBe('at-web-4');
      expect(next.web.events).toEqual(['loaded']);
      const adminKey = (await admin.dpop.ready()).thumbprint;
      expect((await next.admin.dpop.ready()).thumbprint).toBe(adminKey);
      expect(storages.admin.get()).toMatchObject({ dpopJkt: adminKey });
    }
    expect(server.fetch).toHaveBeenCalledTimes(4);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    web.manager.dispose();
    admin.manager.dispose();
  });
});

describe('two DPoP clients of one page on one indexedDbKeyStore id (decision 1202)', () => {
  /** Two managers of one OAuth client (two APIs), each given the client id as its key-store id. */
  const sharingOneId = () => {
    const profile = new IDBFactory();
    const server = authorizationServer();
    const time = { now: Date.now() };
    const load = (clientId: string) =>
      pageLoadOf(
        clientId,
        server,
        memoryStorage(),
        indexedDbKeyStore({ id: 'spa', indexedDB: profile }),
        () => time.now,
      );
    return { server, time, web: load('web'), admin: load('admin') };
  };

  it('share the key without a warning while neither replaces it: a key removed by one is stored back by the other', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { server, time, web, admin } = sharingOneId();
    await web.signIn();
    await admin.signIn();

    await admin.manager.clear();
    await admin.dpop.removeKey();
    time.now += 600_000;
    expect(await web.manager.getAccessToken()).toBe('at-web-3'); // stores web's key back
    await admin.signIn(); // finds that key and signs with it

    expect(server.requests).toEqual([
      'web authorization_code',
      'admin authorization_code',
      'web refresh_token',
      'admin authorization_code',
    ]);
    expect((await admin.dpop.ready()).thumbprint).toBe((await web.dpop.ready()).thumbprint);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    web.manager.dispose();
    admin.manager.dispose();
  });

  it("warns once, naming the id, when one client's new key replaces the key the other's session is bound to", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { server, time, web, admin } = sharingOneId();
    await web.signIn();
    await admin.signIn(); // the same stored key: harmless until one of them replaces it

    await admin.manager.clear();
    await admin.dpop.removeKey();
    await admin.signIn(); // stores a new key in the slot web's session is bound to
    expect(warn).not.toHaveBeenCalled();
    time.now += 600_000;
    const refresh = await web.manager.getAccessToken().catch((error: unknown) => error);
    expect(await admin.manager.getAccessToken()).toBe('at-admin-5'); // its own key: no second warning

    expect(refresh).toMatchObject({ name: 'OAuthError', error: 'invalid_grant' }); // web is signed out
    expect(server.requests).toEqual([
      'web authorization_code',
      'admin authorization_code',
      'admin authorization_code',
      'web refresh_token',
      'admin refresh_token',
    ]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toContain('share indexedDbKeyStore id "spa"');
    expect(String(warn.mock.calls[0]?.[0])).not.toMatch(/at-|rt-/);
    warn.mockRestore();
    web.manager.dispose();
    admin.manager.dispose();
  });
});
