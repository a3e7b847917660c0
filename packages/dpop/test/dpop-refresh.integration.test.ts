import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  memoryStorage,
  refreshTokenGrant,
  type TokenEvent,
  TokenManager,
  type TokenSet,
} from '@tessera/core';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindStorageToKey, createDPoP, type DPoP, type DPoPEvent } from '../src/index.js';
import { type RunningProvider, SPA, startProvider } from './dpop-provider.js';

const RESOURCE = 'https://orders.example';

/** A refresh_token grant built by hand, sent through `dpop.fetch` (what `refreshTokenGrant({ fetch })` will do). */
function refresh(dpop: DPoP, tokenUrl: string, refreshToken: string): Promise<Response> {
  return dpop.fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: SPA.clientId,
    }),
  });
}

let provider: RunningProvider;
beforeAll(async () => {
  provider = await startProvider({ nonceSecret: randomBytes(32), resource: () => RESOURCE });
});
afterAll(() => provider?.stop());

const sinceNow = () => {
  const start = provider.tokenRequests.length;
  return () => provider.tokenRequests.slice(start).map((r) => [r.status, r.error ?? 'ok']);
};

describe('public client: refresh tokens bound to the DPoP key (oidc-provider, nonces required)', () => {
  it('refreshes through dpop.fetch after one nonce retry; the new tokens stay bound to the key', async () => {
    const dpop = createDPoP();
    const { thumbprint } = await dpop.ready();
    const refreshToken = await provider.mintRefreshToken(thumbprint);
    const requests = sinceNow();

    const response = await refresh(dpop, provider.tokenUrl, refreshToken);
    const body = (await response.json()) as {
      access_token: string;
      token_type: string;
      refresh_token: string;
    };

    expect(requests()).toEqual([
      [400, 'use_dpop_nonce'],
      [200, 'ok'],
    ]);
    expect(body.token_type).toBe('DPoP');
    expect(body.refresh_token).not.toBe(refreshToken); // rotated
    expect((decodeJwt(body.access_token) as { cnf?: { jkt?: string } }).cnf?.jkt).toBe(thumbprint);

    const again = await refresh(dpop, provider.tokenUrl, body.refresh_token);
    expect(again.status).toBe(200);
    expect(requests()).toHaveLength(3);
  });

  it('gets invalid_grant for the refresh token with another key, marked as coming right after the nonce retry', async () => {
    const owner = createDPoP();
    const refreshToken = await provider.mintRefreshToken((await owner.ready()).thumbprint);
    const events: DPoPEvent[] = [];
    const thief = createDPoP({ onEvent: (e) => events.push(e) });
    const requests = sinceNow();

    const response = await refresh(thief, provider.tokenUrl, refreshToken);

    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_grant');
    expect(thief.isAfterNonceRetry(response)).toBe(true);
    expect(events.map((e) => e.type)).toEqual(['nonce_retry', 'invalid_grant_after_nonce_retry']);
    expect(requests()).toEqual([
      [400, 'use_dpop_nonce'],
      [400, 'invalid_grant'],
    ]);
  });

  /** A TokenManager as a page load would build it: the key, the session storage, refresh through dpop.fetch. */
  function pageLoad(dpop: DPoP, storage: ReturnType<typeof memoryStorage>) {
    const events: TokenEvent[] = [];
    const sentRefreshTokens: (string | undefined)[] = [];
    const manager = new TokenManager({
      tokenTypes: ['DPoP'],
      storage: bindStorageToKey(storage, dpop),
      fetchTokens: async ({ refreshToken }) => {
        sentRefreshTokens.push(refreshToken);
        if (!refreshToken) throw new Error('sign-in required');
        const response = await refresh(dpop, provider.tokenUrl, refreshToken);
        const body = (await response.json()) as { access_token: string; error?: string };
        if (!response.ok) throw new Error(`refresh failed: ${body.error}`);
        return body as never;
      },
    });
    manager.subscribe((event) => events.push(event));
    return { manager, events, sentRefreshTokens };
  }

  it('keeps the session working across a reload with the same key', async () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const storage = memoryStorage();
    const first = createDPoP({ key });
    const session: TokenSet = {
      accessToken: 'expired',
      tokenType: 'DPoP',
      refreshToken: await provider.mintRefreshToken((await first.ready()).thumbprint),
      expiresAt: Date.now() - 1_000,
    };
    await bindStorageToKey(storage, first).set(session);

    const reloaded = pageLoad(createDPoP({ key }), storage);
    const token = await reloaded.manager.getAccessToken();

    expect(decodeJwt(token).aud).toBe(RESOURCE);
    expect(reloaded.sentRefreshTokens).toEqual([session.refreshToken]);
    reloaded.manager.dispose();
  });

  it('never sends the refresh token when the key is gone: the session is dropped with DPOP_KEY_LOST', async () => {
    const storage = memoryStorage();
    const first = createDPoP();
    await bindStorageToKey(storage, first).set({
      accessToken: 'expired',
      tokenType: 'DPoP',
      refreshToken: await provider.mintRefreshToken((await first.ready()).thumbprint),
      expiresAt: Date.now() - 1_000,
    });
    const requests = sinceNow();

    const reloaded = pageLoad(createDPoP(), storage); // a new key: the old one lived in memory
    const error = await reloaded.manager.getAccessToken().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Error);
    expect(reloaded.sentRefreshTokens.every((token) => token === undefined)).toBe(true);
    expect(requests()).toEqual([]);
    const storageError = reloaded.events.find((e) => e.type === 'storage_error') as
      | { error?: unknown }
      | undefined;
    expect(storageError?.error).toMatchObject({ code: 'DPOP_KEY_LOST', reason: 'thumbprint_mismatch' });
    reloaded.manager.dispose();
  });
});

describe('one option: new TokenManager({ senderConstraint: dpop, fetchTokens: refreshTokenGrant(…) })', () => {
  /** A page load wired with the one option only: no tokenTypes, no bindStorageToKey, no dpop.fetch. */
  function pageLoad(dpop: DPoP, storage: ReturnType<typeof memoryStorage>) {
    const events: TokenEvent[] = [];
    const manager = new TokenManager({
      senderConstraint: dpop,
      storage,
      fetchTokens: refreshTokenGrant({ tokenUrl: provider.tokenUrl, clientId: SPA.clientId }),
      retry: false,
    });
    manager.subscribe((event) => events.push(event));
    return { manager, events };
  }

  it('refreshes with a proof (one nonce retry), stores the set bound to the key, and a reload with the key goes on', async () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const storage = memoryStorage();
    const first = pageLoad(createDPoP({ key }), storage);
    const { thumbprint } = await createDPoP({ key }).ready();
    await first.manager.setTokens({
      access_token: 'expired',
      token_type: 'DPoP',
      refresh_token: await provider.mintRefreshToken(thumbprint),
      expires_in: 0,
    });
    const requests = sinceNow();

    const token = await first.manager.getAccessToken();

    expect(requests()).toEqual([
      [400, 'use_dpop_nonce'],
      [200, 'ok'],
    ]);
    expect(decodeJwt(token).cnf).toEqual({ jkt: thumbprint });
    expect(first.manager.peekTokens()?.tokenType).toBe('DPoP');
    // The stored session names its key: that is what makes a reload with another key drop it.
    expect(await storage.get()).toMatchObject({ dpopJkt: thumbprint });
    first.manager.dispose();

    const reloaded = pageLoad(createDPoP({ key }), storage);
    const again = sinceNow();
    expect(await reloaded.manager.getTokens({ forceRefresh: true })).toMatchObject({ tokenType: 'DPoP' });
    expect(again()).toEqual([
      [400, 'use_dpop_nonce'],
      [200, 'ok'],
    ]);
    reloaded.manager.dispose();
  });

  it('never sends the refresh token with another key: the session is dropped with DPOP_KEY_LOST, no token request', async () => {
    const storage = memoryStorage();
    const first = createDPoP();
    const firstLoad = pageLoad(first, storage);
    await firstLoad.manager.setTokens({
      access_token: 'expired',
      token_type: 'DPoP',
      refresh_token: await provider.mintRefreshToken((await first.ready()).thumbprint),
      expires_in: 0,
    });
    firstLoad.manager.dispose();
    const requests = sinceNow();

    const reloaded = pageLoad(createDPoP(), storage); // a new key: the old one lived in memory
    const error = await reloaded.manager.getAccessToken().catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'LOGIN_REQUIRED' });
    expect(requests()).toEqual([]);
    expect(reloaded.events.find((e) => e.type === 'storage_error')).toMatchObject({
      error: { code: 'DPOP_KEY_LOST', reason: 'thumbprint_mismatch' },
    });
    expect(await storage.get()).toBeUndefined();
    reloaded.manager.dispose();
  });
});
