import { passwordGrant, refreshTokenGrant, TokenManager } from '@tessera/core';
import { createDPoP, type DPoP } from '@tessera/dpop';
import { withTokens } from '@tessera/fetch';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAuthServer } from './create-auth-server.js';
import { failUnhandledRequest } from './fail-unhandled-request.js';
import { createTestClock } from './test-clock.js';

const START = Date.parse('2026-01-01T00:00:00Z');
const clock = createTestClock(START);
const auth = createAuthServer({ clock: clock.now, dpop: { requireNonce: true } });
const API = 'https://api.example.test';
const server = setupServer(...auth.handlers, ...auth.protectedApi(API, { requireDPoPNonce: true }));

const managers: TokenManager[] = [];
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  for (const manager of managers.splice(0)) manager.dispose();
  server.resetHandlers();
  auth.reset();
  clock.set(START);
});
afterAll(() => server.close());

const PASSWORD = { grant_type: 'password', client_id: 'web', username: 'alice', password: 'wonderland' };

/** A browser app with @tessera/dpop: signs alice in through `dpop.fetch`, refreshes and calls the API with its key. */
async function signIn(clientId = 'web') {
  const dpop = createDPoP({ clock: clock.now });
  const tokens = new TokenManager({
    clock: clock.now,
    senderConstraint: dpop,
    fetchTokens: refreshTokenGrant({ tokenUrl: auth.tokenUrl, clientId }),
  });
  managers.push(tokens);
  const signedIn = await passwordGrant(
    { tokenUrl: auth.tokenUrl, clientId, fetch: dpop.fetch, clock: clock.now, tokenTypes: ['DPoP'] },
    { username: PASSWORD.username, password: PASSWORD.password },
  );
  const set = await tokens.setTokens(signedIn);
  const api = withTokens(globalThis.fetch, tokens, { baseUrl: `${API}/` });
  return { dpop, tokens, api, set };
}

const tokenAnswers = () => auth.tokenRequests.map((entry) => [entry.grantType, entry.status, entry.error]);
const apiAnswers = () => auth.apiRequests.map((entry) => [entry.authorization, entry.status]);
const jktOf = (token: string) => (decodeJwt(token) as { cnf?: { jkt?: string } }).cnf?.jkt;

/** A DPoP proof signed by hand, for claims a well-behaved client never sends. */
async function proof(claims: Record<string, unknown>, typ = 'dpop+jwt'): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return new SignJWT({ jti: crypto.randomUUID(), iat: Math.floor(clock.now() / 1000), ...claims })
    .setProtectedHeader({ alg: 'ES256', typ, jwk: await exportJWK(publicKey) })
    .sign(privateKey);
}

function postToken(form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(auth.tokenUrl, { method: 'POST', headers, body: new URLSearchParams(form) });
}

describe('createAuthServer({ dpop }) with a real @tessera/dpop client', () => {
  it('signs in after exactly one nonce retry and binds the DPoP token to the client key (cnf.jkt)', async () => {
    const { dpop, set } = await signIn();

    expect(tokenAnswers()).toEqual([
      ['password', 400, 'use_dpop_nonce'],
      ['password', 200, undefined],
    ]);
    expect(set.tokenType).toBe('DPoP');
    expect(jktOf(set.accessToken)).toBe((await dpop.ready()).thumbprint);
  });

  it('retries once per nonce rotation, at the token endpoint and at the API, and never more', async () => {
    const { api } = await signIn();

    expect((await api('orders')).status).toBe(200);
    expect((await api('orders')).status).toBe(200);
    expect(apiAnswers()).toEqual([
      ['invalid', 401],
      ['valid', 200],
      ['valid', 200],
    ]);

    auth.rotateDPoPNonce();
    clock.advance(300_000); // the access token expires: the next call refreshes with the old token-endpoint nonce
    expect((await api('orders')).status).toBe(200);

    expect(tokenAnswers().slice(2)).toEqual([
      ['refresh_token', 400, 'use_dpop_nonce'],
      ['refresh_token', 200, undefined],
    ]);
    expect(apiAnswers().slice(3)).toEqual([
      ['invalid', 401],
      ['valid', 200],
    ]);
    expect(auth.tokenRequestCount).toBe(4);
  });

  it('refuses a stolen DPoP token sent as Bearer, and with a proof of another key', async () => {
    const { set } = await signIn();

    const asBearer = await fetch(`${API}/orders`, {
      headers: { Authorization: `Bearer ${set.accessToken}` },
    });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get('www-authenticate')).toMatch(/^DPoP realm=.*error="invalid_token"/);

    const thief = createDPoP({ clock: clock.now });
    const send = async () => {
      const headers = await thief.headersFor({
        method: 'GET',
        url: `${API}/orders`,
        accessToken: set.accessToken,
      });
      const response = await fetch(`${API}/orders`, {
        headers: { Authorization: `DPoP ${set.accessToken}`, ...headers },
      });
      thief.learn(response);
      return response;
    };
    expect((await send()).headers.get('www-authenticate')).toMatch(/error="use_dpop_nonce"/);
    const withOtherKey = await send();
    expect(withOtherKey.status).toBe(401);
    expect(withOtherKey.headers.get('www-authenticate')).toContain(
      'error_description="failed jkt verification"',
    );
    expect(auth.tokenRequestCount).toBe(2);
  });

  it('refuses the bound refresh token without a proof or with another key, and the session survives', async () => {
    const { set, tokens } = await signIn();
    const refreshToken = set.refreshToken ?? '';
    const stolen = { grant_type: 'refresh_token', client_id: 'web', refresh_token: refreshToken };

    const noProof = await postToken(stolen);
    const thief = createDPoP({ clock: clock.now });
    const otherKey = await thief.fetch(auth.tokenUrl, { method: 'POST', body: new URLSearchParams(stolen) });

    expect([noProof.status, ((await noProof.json()) as { error: string }).error]).toEqual([
      400,
      'invalid_grant',
    ]);
    expect([otherKey.status, ((await otherKey.json()) as { error: string }).error]).toEqual([
      400,
      'invalid_grant',
    ]);
    expect(tokenAnswers().slice(2)).toEqual([
      ['refresh_token', 400, 'invalid_grant'],
      ['refresh_token', 400, 'use_dpop_nonce'],
      ['refresh_token', 400, 'invalid_grant'],
    ]);
    clock.advance(300_000);
    await expect(tokens.getAccessToken()).resolves.toEqual(expect.any(String));
    expect(auth.tokenRequests.at(-1)).toMatchObject({ grantType: 'refresh_token', status: 200 });
  });

  it('refuses a replayed proof at the token endpoint and at the API', async () => {
    const sent: string[] = [];
    const dpop: DPoP = createDPoP({
      clock: clock.now,
      fetch: (input, init) => {
        sent.push(new Headers(init?.headers).get('dpop') ?? '');
        return globalThis.fetch(input, init);
      },
    });
    const first = await dpop.fetch(auth.tokenUrl, { method: 'POST', body: new URLSearchParams(PASSWORD) });
    const { access_token: token } = (await first.json()) as { access_token: string };
    const replayed = await postToken(PASSWORD, { DPoP: sent.at(-1) ?? '' });
    expect([replayed.status, ((await replayed.json()) as { error: string }).error]).toEqual([
      400,
      'invalid_grant',
    ]);

    const call = (headers: Record<string, string>) =>
      fetch(`${API}/orders`, { headers: { Authorization: `DPoP ${token}`, ...headers } });
    dpop.learn(
      await call(await dpop.headersFor({ method: 'GET', url: `${API}/orders`, accessToken: token })),
    );
    const headers = await dpop.headersFor({ method: 'GET', url: `${API}/orders`, accessToken: token });
    expect((await call(headers)).status).toBe(200);
    const again = await call(headers);
    expect(again.status).toBe(401);
    expect(again.headers.get('www-authenticate')).toContain('DPoP proof JWT Replay detected');
  });

  it('answers the protectedApi rows of the README: both challenges without a token, 400 for a scheme without its proof, invalid_dpop_proof for a wrong ath', async () => {
    const { dpop, set } = await signIn();
    const token = set.accessToken;
    const url = `${API}/orders`;
    const call = (headers: Record<string, string>) => fetch(url, { headers });
    const answer = async (response: Response) => [response.status, response.headers.get('www-authenticate')];

    expect(await answer(await call({}))).toEqual([
      401,
      `Bearer realm="${API}", DPoP realm="${API}", algs="ES256 Ed25519 EdDSA"`,
    ]);
    const noProof = await answer(await call({ Authorization: `DPoP ${token}` }));
    expect(noProof).toEqual([400, expect.stringMatching(/^DPoP realm=.*error="invalid_request"/)]);
    const proofFor = (accessToken: string) => dpop.headersFor({ method: 'GET', url, accessToken });
    const withBearer = await answer(
      await call({ Authorization: `Bearer ${token}`, ...(await proofFor(token)) }),
    );
    expect(withBearer).toEqual([400, expect.stringMatching(/error="invalid_request"/)]);
    const wrongAth = await answer(
      await call({ Authorization: `DPoP ${token}`, ...(await proofFor(`${token}x`)) }),
    );
    expect(wrongAth).toEqual([401, expect.stringMatching(/^DPoP .*error="invalid_dpop_proof"/)]);

    const logs = JSON.stringify([auth.apiRequests, auth.tokenRequests]);
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(token.split('.')[2]);
    expect(logs).not.toContain('eyJ'); // no JWT at all: no token, no proof
  });
});

describe('createAuthServer({ dpop }): proofs it refuses', () => {
  const nonce = async () =>
    (await postToken(PASSWORD, { DPoP: await proof(htu()) })).headers.get('dpop-nonce');
  const htu = (url = auth.tokenUrl, htm = 'POST') => ({ htm, htu: url });
  const errorOf = async (response: Response) => [
    response.status,
    ((await response.json()) as { error: string }).error,
  ];

  it('answers invalid_dpop_proof for a wrong typ, htm or htu; ignores query and fragment in htu', async () => {
    const current = (await nonce()) ?? '';
    const send = async (claims: Record<string, unknown>, typ?: string) =>
      errorOf(await postToken(PASSWORD, { DPoP: await proof({ nonce: current, ...claims }, typ) }));

    expect(await send(htu(), 'JWT')).toEqual([400, 'invalid_dpop_proof']);
    expect(await send(htu(auth.tokenUrl, 'GET'))).toEqual([400, 'invalid_dpop_proof']);
    expect(await send(htu(`${auth.issuer}/oauth/other`))).toEqual([400, 'invalid_dpop_proof']);
    expect(await send(htu(`${auth.tokenUrl}?q=1#f`))).toEqual([200, undefined]);
  });

  it('answers use_dpop_nonce with the nonce for a proof without one, with an old one, or with an iat off by more than 300 s', async () => {
    const current = (await nonce()) ?? '';
    const answer = async (claims: Record<string, unknown>) => {
      const response = await postToken(PASSWORD, { DPoP: await proof({ ...htu(), ...claims }) });
      return [...(await errorOf(response)), response.headers.get('dpop-nonce')];
    };
    expect(await answer({})).toEqual([400, 'use_dpop_nonce', current]);
    auth.rotateDPoPNonce();
    const rotated = await answer({ nonce: current });
    expect(rotated.slice(0, 2)).toEqual([400, 'use_dpop_nonce']);
    expect(rotated[2]).not.toBe(current);
    const iat = Math.floor(clock.now() / 1000) - 301;
    expect((await answer({ iat })).slice(0, 2)).toEqual([400, 'use_dpop_nonce']);
  });

  it('answers Bearer to a request without a proof unless the client has dpopBoundAccessTokens', async () => {
    const strict = createAuthServer({
      issuer: 'https://strict.example.test',
      clients: [{ clientId: 'web', dpopBoundAccessTokens: true }, { clientId: 'other' }],
      dpop: true,
    });
    server.use(...strict.handlers);
    const send = (clientId: string) =>
      fetch(strict.tokenUrl, {
        method: 'POST',
        body: new URLSearchParams({ ...PASSWORD, client_id: clientId }),
      });

    expect(await errorOf(await send('web'))).toEqual([400, 'invalid_grant']);
    expect(((await (await send('other')).json()) as { token_type: string }).token_type).toBe('Bearer');
  });

  it('refuses DPoP options a server without DPoP would ignore', () => {
    expect(() => createAuthServer({ clients: [{ clientId: 'web', dpopBoundAccessTokens: true }] })).toThrow(
      /dpopBoundAccessTokens, but the server has no DPoP/,
    );
    expect(() => createAuthServer().protectedApi(API, { requireDPoPNonce: true })).toThrow(TypeError);
    expect(() => createAuthServer().rotateDPoPNonce()).toThrow(TypeError);
    expect(() => createAuthServer({ dpop: { requireNonces: true } as never })).toThrow(
      /unknown option "requireNonces" — did you mean "requireNonce"\?/,
    );
  });
});
