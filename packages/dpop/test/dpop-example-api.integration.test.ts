// The example API the browser examples call (`startExampleApi`) with DPoP-bound tokens from the real
// provider: it accepts a token only with a valid proof of its key, and refuses what a thief could send.
import { createSignIn, memoryStorage, TokenManager } from '@tessera/core';
import {
  type ExampleApi,
  type IdentityProvider,
  signInThroughForms,
  startExampleApi,
  startIdentityProvider,
} from '@tessera/example-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeStorageArea } from '../../core/test/fixtures/fake-storage-area.js';
import { createDPoP, memoryKeyStore } from '../src/index.js';

const APP = 'http://127.0.0.1:5997';
let provider: IdentityProvider;
let api: ExampleApi;
let accessToken: string;
/** One key for the session; `createDPoP({ keyStore })` gives another nonce book with the same key. */
const keyStore = memoryKeyStore();
const dpop = createDPoP({ keyStore });

beforeAll(async () => {
  provider = await startIdentityProvider({ port: 0, appOrigins: [APP], dpop: true });
  api = await startExampleApi({ issuer: provider.issuer, audience: provider.apiResource, appOrigins: [APP] });
  const tokens = new TokenManager({
    tokenTypes: ['DPoP'],
    storage: memoryStorage(),
    fetchTokens: (context) => signIn.fetchTokens(context),
    retry: false,
  });
  const signIn = createSignIn({
    issuer: provider.issuer,
    clientId: provider.clientId,
    redirectUri: `${APP}/callback`,
    scope: 'openid profile email api:read',
    tokens,
    transactionStorage: fakeStorageArea(),
    navigate: () => undefined,
    fetch: dpop.fetch,
  });
  await signIn.handleCallback(await signInThroughForms(await signIn.buildAuthorizationUrl()));
  accessToken = tokens.peekTokens()?.accessToken ?? '';
  tokens.dispose();
});
afterAll(async () => {
  await Promise.all([provider?.close(), api?.close()]);
});

const me = () => `${api.url}/me`;
const call = async (headers: Record<string, string>) => {
  const response = await fetch(me(), { headers });
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    proof: api.requestLog.at(-1)?.dpop?.proof,
  };
};

describe('startExampleApi with DPoP-bound tokens', () => {
  it('answers a DPoP token with a valid proof of its key', async () => {
    const { thumbprint } = await dpop.ready();
    const proof = await dpop.headersFor({ method: 'GET', url: me(), accessToken });
    expect(await call({ authorization: `DPoP ${accessToken}`, ...proof })).toEqual({
      status: 200,
      challenge: null,
      proof: 'valid',
    });
    expect(api.requestLog.at(-1)).toMatchObject({ scheme: 'dpop', sub: 'alice', dpop: { jkt: thumbprint } });
  });

  it('refuses what a thief can send: the token as Bearer, without a proof, with a proof of another key, a replayed proof', async () => {
    const refused = (proof: string) => ({
      status: 401,
      challenge: expect.stringMatching(/^DPoP algs="ES256", error="invalid_(token|dpop_proof)"$/),
      proof,
    });
    expect(await call({ authorization: `Bearer ${accessToken}` })).toEqual(
      refused('DPoP-bound token sent as Bearer'),
    );
    expect(await call({ authorization: `DPoP ${accessToken}` })).toEqual(refused('no DPoP header'));
    const thief = createDPoP();
    const thiefProof = await thief.headersFor({ method: 'GET', url: me(), accessToken });
    expect(await call({ authorization: `DPoP ${accessToken}`, ...thiefProof })).toEqual(refused('cnf.jkt'));
    const proof = await dpop.headersFor({ method: 'GET', url: me(), accessToken });
    expect((await call({ authorization: `DPoP ${accessToken}`, ...proof })).status).toBe(200);
    expect(await call({ authorization: `DPoP ${accessToken}`, ...proof })).toEqual(refused('jti replayed'));
  });

  it('lets the app origin send the DPoP header and read DPoP-Nonce and WWW-Authenticate (CORS)', async () => {
    const preflight = await fetch(me(), {
      method: 'OPTIONS',
      headers: {
        origin: APP,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization,dpop',
      },
    });
    expect(preflight.headers.get('access-control-allow-headers')).toBe('Authorization, DPoP');
    const answer = await fetch(me(), { headers: { origin: APP } });
    expect(answer.headers.get('access-control-expose-headers')).toBe('WWW-Authenticate, DPoP-Nonce');
  });
});

describe('startExampleApi with dpopNonce: true (RFC 9449 §9 resource-server nonces)', () => {
  let strict: ExampleApi;
  beforeAll(async () => {
    strict = await startExampleApi({
      issuer: provider.issuer,
      audience: provider.apiResource,
      appOrigins: [APP],
      dpopNonce: true,
    });
  });
  afterAll(async () => {
    await strict?.close();
  });

  /** One GET /me with a fresh proof carrying `nonce` (none: `undefined`), as the app origin. */
  const send = async (nonce: string | undefined) => {
    const url = `${strict.url}/me`;
    const key = createDPoP({ keyStore });
    if (nonce) key.learn({ url, status: 200, headers: new Headers({ 'dpop-nonce': nonce }) });
    const proof = await key.headersFor({ method: 'GET', url, accessToken });
    const response = await fetch(url, {
      headers: { origin: APP, authorization: `DPoP ${accessToken}`, ...proof },
    });
    return {
      status: response.status,
      challenge: response.headers.get('www-authenticate'),
      nonce: response.headers.get('dpop-nonce') ?? undefined,
      logged: strict.requestLog.at(-1),
    };
  };

  it('answers a proof without its nonce with 401 use_dpop_nonce and the nonce; the proof with it gets 200 and the same nonce', async () => {
    const first = await send(undefined);
    expect(first).toMatchObject({
      status: 401,
      challenge: expect.stringMatching(
        /^DPoP algs="ES256", error="use_dpop_nonce", error_description="[^"]+"$/,
      ),
      nonce: expect.stringMatching(/^[\w-]{22}$/),
      logged: { status: 401, outcome: 'use_dpop_nonce', scheme: 'dpop', dpop: { proof: 'nonce missing' } },
    });
    const second = await send(first.nonce);
    expect(second).toMatchObject({
      status: 200,
      challenge: null,
      nonce: first.nonce,
      logged: { status: 200, outcome: 'ok', sub: 'alice', dpop: { proof: 'valid' } },
    });
  });

  it('after rotateNonce, the old nonce gets one challenge with the new nonce, which then works', async () => {
    const old = (await send(undefined)).nonce;
    expect((await send(old)).status).toBe(200);
    strict.rotateNonce();
    const stale = await send(old);
    expect(stale).toMatchObject({
      status: 401,
      logged: { outcome: 'use_dpop_nonce', dpop: { proof: 'nonce stale' } },
    });
    expect(stale.nonce).not.toBe(old);
    expect((await send(stale.nonce)).status).toBe(200);
  });

  it('the API without dpopNonce sends no DPoP-Nonce, and its rotateNonce throws', async () => {
    const proof = await dpop.headersFor({ method: 'GET', url: me(), accessToken });
    const plain = await fetch(me(), { headers: { authorization: `DPoP ${accessToken}`, ...proof } });
    expect([plain.status, plain.headers.get('dpop-nonce')]).toEqual([200, null]);
    expect(() => api.rotateNonce()).toThrow(/started without dpopNonce/);
  });

  it('hides DPoP-Nonce from the browser with corsExposeHeaders: [WWW-Authenticate] (still sent)', async () => {
    const hiding = await startExampleApi({
      issuer: provider.issuer,
      audience: provider.apiResource,
      appOrigins: [APP],
      dpopNonce: true,
      corsExposeHeaders: ['WWW-Authenticate'],
    });
    try {
      const answer = await fetch(`${hiding.url}/me`, { headers: { origin: APP } });
      expect(answer.headers.get('access-control-expose-headers')).toBe('WWW-Authenticate');
      expect(answer.headers.get('dpop-nonce')).toMatch(/^[\w-]{22}$/);
    } finally {
      await hiding.close();
    }
  });
});
