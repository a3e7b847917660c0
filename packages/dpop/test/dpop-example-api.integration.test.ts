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
import { createDPoP } from '../src/index.js';

const APP = 'http://127.0.0.1:5997';
let provider: IdentityProvider;
let api: ExampleApi;
let accessToken: string;
const dpop = createDPoP();

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
