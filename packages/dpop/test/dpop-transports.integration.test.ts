// The transports wired with `senderConstraint: dpop` against the real thing: oidc-provider 9 with
// DPoP and nonces required (token requests through `clientCredentialsGrant({ fetch: dpop.fetch })`)
// and a strict API that verifies every proof with jose (signature, htm, htu, iat, jti replay, its
// own rotating nonce, ath, cnf.jkt).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { attachTokenManager } from '@tessera/axios';
import { clientCredentialsGrant, TokenManager } from '@tessera/core';
import { withTokens } from '@tessera/fetch';
import { clientCredentials } from '@tessera/node';
import axios, { type AxiosError } from 'axios';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDPoP } from '../src/index.js';
import { CLIENT, JWT_CLIENT, type RunningProvider, startProvider } from './dpop-provider.js';
import { type StrictApi, startStrictApi } from './strict-api.js';

let provider: RunningProvider;
let api: StrictApi;

beforeAll(async () => {
  let apiUrl = '';
  provider = await startProvider({ nonceSecret: randomBytes(32), resource: () => apiUrl });
  api = await startStrictApi({ issuer: provider.issuer, tokenKey: provider.publicJwk });
  apiUrl = api.url;
});
afterAll(async () => {
  await api?.stop();
  await provider?.stop();
});

/** `GET path` through one transport; resolves to the HTTP status the caller sees. */
type Get = (path: string) => Promise<number>;

/**
 * `one option`: `new TokenManager({ senderConstraint: dpop })` and transports without DPoP options.
 * `explicit`: the grant's `fetch: dpop.fetch`, `tokenTypes` and each transport's `senderConstraint`.
 */
type Wiring = 'one option' | 'explicit';

function client(transport: 'axios' | 'fetch', wiring: Wiring) {
  const dpop = createDPoP();
  const explicit = wiring === 'explicit';
  const tokens = new TokenManager({
    ...(explicit ? { tokenTypes: ['DPoP'] } : { senderConstraint: dpop }),
    fetchTokens: clientCredentialsGrant({
      tokenUrl: provider.tokenUrl,
      clientId: CLIENT.clientId,
      clientSecret: CLIENT.clientSecret,
      ...(explicit ? { fetch: dpop.fetch } : {}),
    }),
  });
  const transportOptions = explicit ? { senderConstraint: dpop } : {};
  let get: Get;
  if (transport === 'axios') {
    const instance = axios.create({ baseURL: api.url });
    attachTokenManager(instance, tokens, transportOptions);
    get = (path) =>
      instance.get(path).then(
        (response) => response.status,
        (error: AxiosError) => {
          if (!error.response) throw error;
          return error.response.status;
        },
      );
  } else {
    const send = withTokens(fetch, tokens, { baseUrl: api.url, ...transportOptions });
    get = async (path) => {
      const response = await send(path);
      await response.body?.cancel();
      return response.status;
    };
  }
  return { dpop, tokens, get };
}

const grants = () => provider.tokenRequests.filter((entry) => entry.status === 200).length;

describe.each([
  ['axios', 'one option'],
  ['fetch', 'one option'],
  ['axios', 'explicit'],
  ['fetch', 'explicit'],
] as const)('%s, DPoP wired by %s', (transport, wiring) => {
  it('sends 1,000 concurrent requests with 1 token request and 1,000 distinct proofs, all accepted', async () => {
    const { get, tokens, dpop } = client(transport, wiring);
    const grantsBefore = grants();
    const issuedBefore = provider.issued();
    const logBefore = api.log.length;

    const statuses = await Promise.all(Array.from({ length: 1000 }, (_, i) => get(`/orders/${i}`)));

    expect(statuses).toEqual(Array(1000).fill(200));
    expect(provider.issued() - issuedBefore).toBe(1);
    expect(grants() - grantsBefore).toBe(1);
    const served = api.log.slice(logBefore);
    // The API's nonce was not known yet: each request got one challenge and one replay, nothing more.
    expect(served.filter((entry) => entry.reason === 'use_dpop_nonce')).toHaveLength(1000);
    const accepted = served.filter((entry) => entry.reason === 'ok');
    expect(accepted).toHaveLength(1000);
    expect(new Set(accepted.map((entry) => entry.jti)).size).toBe(1000);
    const token = tokens.peekTokens();
    expect(token?.tokenType).toBe('DPoP');
    expect(decodeJwt(token?.accessToken ?? '').cnf).toEqual({ jkt: (await dpop.ready()).thumbprint });
    tokens.dispose();
  }, 180_000);

  it('costs exactly one retry, and no token request, when the API rotates its nonce', async () => {
    const { get, tokens } = client(transport, wiring);
    expect(await get('/orders')).toBe(200);
    const tokenRequestsBefore = provider.tokenRequests.length;
    api.rotateNonce();
    const logBefore = api.log.length;

    expect(await get('/orders')).toBe(200);
    expect(await get('/orders')).toBe(200);

    expect(api.log.slice(logBefore).map((entry) => entry.reason)).toEqual(['use_dpop_nonce', 'ok', 'ok']);
    expect(provider.tokenRequests.length).toBe(tokenRequestsBefore);
    tokens.dispose();
  });

  it('replays a revoked token once with a new token and a proof for it', async () => {
    const { get, tokens } = client(transport, wiring);
    expect(await get('/orders')).toBe(200);
    const old = await tokens.getAccessToken();
    api.revokeToken(old);
    const logBefore = api.log.length;

    expect(await get('/orders')).toBe(200);

    expect(api.log.slice(logBefore).map((entry) => entry.reason)).toEqual(['token_revoked', 'ok']);
    expect(await tokens.getAccessToken()).not.toBe(old);
    tokens.dispose();
  });

  it('leaves a thief with the token but without the key nothing: Bearer, no proof, another key all get 401', async () => {
    const { get, tokens } = client(transport, wiring);
    expect(await get('/orders')).toBe(200);
    const token = await tokens.getAccessToken();
    const url = `${api.url}/orders`;

    const bearer = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    const bare = await fetch(url, { headers: { authorization: `DPoP ${token}` } });
    const thief = createDPoP();
    thief.learn({ url, status: 200, headers: { 'dpop-nonce': api.currentNonce() } });
    const proof = await thief.headersFor({ method: 'GET', url, accessToken: token });
    const otherKey = await fetch(url, { headers: { authorization: `DPoP ${token}`, ...proof } });
    // The thief's own transport, with its own key, fares no better.
    const stolen = new TokenManager({
      tokenTypes: ['DPoP'],
      fetchTokens: async () => ({ access_token: token, token_type: 'DPoP', expires_in: 60 }),
    });
    await stolen.setTokens({ access_token: token, token_type: 'DPoP', expires_in: 60 });
    const thiefApi = withTokens(fetch, stolen, { baseUrl: api.url, senderConstraint: createDPoP() });
    const viaTransport = await thiefApi('/orders');

    expect([bearer.status, bare.status, otherKey.status, viaTransport.status]).toEqual([401, 401, 401, 401]);
    expect(api.log.slice(-5).map((entry) => entry.reason)).toEqual([
      'bearer_scheme',
      'one_proof_required',
      'cnf_jkt',
      'use_dpop_nonce',
      'cnf_jkt',
    ]);
    stolen.dispose();
    tokens.dispose();
  });
});

describe('clientCredentials({ dpop }) from @tessera/node', () => {
  it('gets a DPoP-bound token after one nonce retry, and the API accepts it through withTokens with no DPoP option', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const dpop = createDPoP({ key: privateKey });
    const credentials = clientCredentials({
      tokenUrl: provider.tokenUrl,
      clientId: CLIENT.clientId,
      clientSecret: CLIENT.clientSecret,
      dpop,
    });
    const before = provider.tokenRequests.length;
    // The target's manager carries `dpop` as its senderConstraint: the transport needs no option.
    expect(credentials.for().senderConstraint).toBe(dpop);
    const send = withTokens(fetch, credentials.for(), { baseUrl: api.url });

    const statuses = await Promise.all(
      Array.from({ length: 50 }, () => send('/orders').then((r) => r.status)),
    );

    expect(statuses).toEqual(Array(50).fill(200));
    expect(provider.tokenRequests.slice(before).map((entry) => [entry.status, entry.error])).toEqual([
      [400, 'use_dpop_nonce'],
      [200, undefined],
    ]);
    const set = credentials.for().peekTokens();
    expect(set?.tokenType).toBe('DPoP');
    expect(decodeJwt(set?.accessToken ?? '').cnf).toEqual({ jkt: (await dpop.ready()).thumbprint });
    credentials.dispose();
  });

  it('with private_key_jwt: a new assertion for the nonce retry (oidc-provider burns a jti before it checks the proof), 2 requests', async () => {
    const events: string[] = [];
    const dpop = createDPoP({
      // The authorization server's: the API's own nonce challenges are replays of its requests.
      onEvent: (event) => 'origin' in event && event.origin === provider.issuer && events.push(event.type),
    });
    const credentials = clientCredentials({
      tokenUrl: provider.tokenUrl,
      clientId: JWT_CLIENT.clientId,
      privateKey: JWT_CLIENT.privateKey,
      dpop,
      retry: false,
    });
    const before = provider.tokenRequests.length;

    const statuses = await Promise.all(
      Array.from({ length: 20 }, () =>
        withTokens(fetch, credentials.for(), { baseUrl: api.url })('/orders').then((r) => r.status),
      ),
    );

    expect(statuses).toEqual(Array(20).fill(200));
    expect(provider.tokenRequests.slice(before).map((entry) => [entry.status, entry.error])).toEqual([
      [400, 'use_dpop_nonce'],
      [200, undefined],
    ]);
    expect(events).toEqual(['nonce_retry']);
    const set = credentials.for().peekTokens();
    expect(set?.tokenType).toBe('DPoP');
    expect(decodeJwt(set?.accessToken ?? '').cnf).toEqual({ jkt: (await dpop.ready()).thumbprint });
    credentials.dispose();
  });
  it('with private_key_jwt: a nonce rotation and a skewed proof clock each cost exactly one retry with a new assertion', async () => {
    const credentials = clientCredentials({
      tokenUrl: provider.tokenUrl,
      clientId: JWT_CLIENT.clientId,
      privateKey: JWT_CLIENT.privateKey,
      dpop: createDPoP(),
      retry: false,
    });
    await credentials.getAccessToken();
    await provider.rotateNonceSecret();
    await credentials.for().clear();
    const before = provider.tokenRequests.length;

    await credentials.getAccessToken();

    expect(provider.tokenRequests.slice(before).map((entry) => [entry.status, entry.error])).toEqual([
      [400, 'use_dpop_nonce'],
      [200, undefined],
    ]);
    credentials.dispose();

    // Without nonces oidc-provider judges a proof by its iat (±300 s), after it burned the assertion's jti.
    const plain = await startProvider({ resource: () => api.url });
    const events: string[] = [];
    const skewed = clientCredentials({
      tokenUrl: plain.tokenUrl,
      clientId: JWT_CLIENT.clientId,
      privateKey: JWT_CLIENT.privateKey,
      dpop: createDPoP({
        clock: () => Date.now() - 10 * 60_000,
        onEvent: (event) => events.push(event.type),
      }),
      retry: false,
    });
    try {
      await skewed.getAccessToken();
      expect(plain.tokenRequests.map((entry) => [entry.status, entry.error])).toEqual([
        [400, 'invalid_dpop_proof'],
        [200, undefined],
      ]);
      expect(events).toEqual(['clock_retry']);
    } finally {
      skewed.dispose();
      await plain.stop();
    }
  });
});
