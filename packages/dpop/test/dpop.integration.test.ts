import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { TokenManager } from '@tessera/core';
import { decodeJwt, exportJWK, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDPoP, type DPoP, type DPoPEvent, type FetchLike } from '../src/index.js';
import { CLIENT, type RunningProvider, startProvider } from './dpop-provider.js';
import { sendWithDPoP } from './dpop-transport.js';
import { athOf, readProof } from './read-proof.js';
import { type StrictApi, startStrictApi } from './strict-api.js';

const basic = `Basic ${Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64')}`;

/** A client_credentials request built by hand, sent through `fetch` (what `clientCredentialsGrant({ fetch })` will do). */
async function requestToken(fetch: FetchLike, tokenUrl: string) {
  const response = await fetch(tokenUrl, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  });
  const body = (await response.json()) as {
    access_token: string;
    token_type: string;
    expires_in: number;
    error?: string;
  };
  if (!response.ok)
    throw new Error(
      `token request failed: ${body.error} ${(body as { error_description?: string }).error_description} (HTTP ${response.status})`,
    );
  return body;
}

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

function client(
  options: {
    clock?: () => number;
    key?: Parameters<typeof createDPoP>[0] extends infer O
      ? O extends { key?: infer K }
        ? K
        : never
      : never;
  } = {},
) {
  const events: DPoPEvent[] = [];
  const dpop = createDPoP({ onEvent: (e) => events.push(e), ...options });
  const manager = new TokenManager({
    fetchTokens: () => requestToken(dpop.fetch, provider.tokenUrl),
    tokenTypes: ['DPoP'],
  } as ConstructorParameters<typeof TokenManager>[0]);
  return { dpop, manager, events };
}

const tokenCalls = () => provider.tokenRequests.length;

describe('token endpoint: oidc-provider with DPoP and nonces required', () => {
  it('gets a DPoP-bound token after exactly one nonce retry; the token is bound to the key', async () => {
    const { dpop, events } = client();
    const before = tokenCalls();

    const body = await requestToken(dpop.fetch, provider.tokenUrl);

    expect(provider.tokenRequests.slice(before).map((r) => [r.status, r.error])).toEqual([
      [400, 'use_dpop_nonce'],
      [200, undefined],
    ]);
    expect(body.token_type).toBe('DPoP');
    const claims = decodeJwt(body.access_token) as JWTPayload & { cnf?: { jkt?: string } };
    expect(claims.cnf?.jkt).toBe((await dpop.ready()).thumbprint);
    expect(events.map((e) => e.type)).toEqual(['nonce_retry']);
  });

  it('sends the known nonce next time: one request, no retry', async () => {
    const { dpop } = client();
    await requestToken(dpop.fetch, provider.tokenUrl);
    const before = tokenCalls();

    await requestToken(dpop.fetch, provider.tokenUrl);

    expect(provider.tokenRequests.slice(before).map((r) => r.status)).toEqual([200]);
  });

  it('costs exactly one retry when the provider rotates its nonces', async () => {
    const { dpop } = client();
    await requestToken(dpop.fetch, provider.tokenUrl);
    await provider.rotateNonceSecret();
    const before = tokenCalls();

    await requestToken(dpop.fetch, provider.tokenUrl);

    expect(provider.tokenRequests.slice(before).map((r) => [r.status, r.error])).toEqual([
      [400, 'use_dpop_nonce'],
      [200, undefined],
    ]);
  });

  it('refuses a token request without a proof for a DPoP-bound client', async () => {
    await expect(requestToken(fetch, provider.tokenUrl)).rejects.toThrow(/HTTP 400/);
  });

  it('rejects a proof replayed at the token endpoint', async () => {
    const { dpop } = client();
    await requestToken(dpop.fetch, provider.tokenUrl);
    const accepted = provider.tokenRequests.at(-1)?.dpop;
    expect(provider.tokenRequests.at(-1)?.status).toBe(200);

    const replay = await fetch(provider.tokenUrl, {
      method: 'POST',
      headers: {
        authorization: basic,
        'content-type': 'application/x-www-form-urlencoded',
        DPoP: accepted ?? '',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });

    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { access_token?: string }).access_token).toBeUndefined();
  });

  it.each([-10, 10])('works with the client clock %s min off (nonce path)', async (minutes) => {
    const { dpop } = client({ clock: () => Date.now() + minutes * 60_000 });
    const body = await requestToken(dpop.fetch, provider.tokenUrl);
    expect(body.token_type).toBe('DPoP');
  });
});

describe('token endpoint: oidc-provider with DPoP and no nonce secret', () => {
  let plain: RunningProvider;
  beforeAll(async () => {
    plain = await startProvider({ nonceSecret: undefined, resource: () => api.url });
  });
  afterAll(() => plain?.stop());

  it.each([-10, 10])(
    'works with the client clock %s min off: one retry with the iat corrected from the Date header, then none',
    async (minutes) => {
      const events: DPoPEvent[] = [];
      const dpop = createDPoP({
        clock: () => Date.now() + minutes * 60_000,
        onEvent: (e) => events.push(e),
      });
      const before = plain.tokenRequests.length;

      await requestToken(dpop.fetch, plain.tokenUrl);
      await requestToken(dpop.fetch, plain.tokenUrl);

      expect(plain.tokenRequests.slice(before).map((r) => [r.status, r.error])).toEqual([
        [400, 'invalid_dpop_proof'],
        [200, undefined],
        [200, undefined],
      ]);
      expect(events.map((e) => e.type)).toEqual(['clock_retry']);
    },
  );
});

describe('API calls: a strict resource server that verifies every proof', () => {
  it('sends 1,000 concurrent requests with 1 token and 1,000 distinct proofs, all accepted', async () => {
    const { dpop, manager } = client();
    const issuedBefore = provider.issued();
    const first = await sendWithDPoP(manager, dpop, `${api.url}/orders`);
    expect(first.response.status).toBe(200);
    expect(first.sends).toBe(2); // the API's nonce was not known yet: one challenge, one replay
    const logBefore = api.log.length;

    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => sendWithDPoP(manager, dpop, `${api.url}/orders/${i}`)),
    );

    expect(results.map((r) => r.response.status)).toEqual(Array(1000).fill(200));
    expect(results.every((r) => r.sends === 1)).toBe(true);
    expect(provider.issued() - issuedBefore).toBe(1);
    const served = api.log.slice(logBefore);
    expect(served).toHaveLength(1000);
    expect(new Set(served.map((entry) => entry.jti)).size).toBe(1000);
    expect(served.every((entry) => entry.reason === 'ok')).toBe(true);
    manager.dispose();
  }, 180_000);

  it('costs exactly one retry, and no token request, when the API rotates its nonce', async () => {
    const { dpop, manager } = client();
    await sendWithDPoP(manager, dpop, `${api.url}/orders`);
    const tokensBefore = tokenCalls();
    api.rotateNonce();
    const logBefore = api.log.length;

    const { response, sends } = await sendWithDPoP(manager, dpop, `${api.url}/orders`);

    expect(response.status).toBe(200);
    expect(sends).toBe(2);
    expect(api.log.slice(logBefore).map((entry) => entry.reason)).toEqual(['use_dpop_nonce', 'ok']);
    expect(tokenCalls()).toBe(tokensBefore);
    manager.dispose();
  });

  it('replays a rejected token once with a new token and a proof whose ath matches the new token', async () => {
    const { dpop, manager } = client();
    await sendWithDPoP(manager, dpop, `${api.url}/orders`);
    const old = await manager.getAccessToken();
    api.revokeToken(old);
    const logBefore = api.log.length;

    const { response, sends } = await sendWithDPoP(manager, dpop, `${api.url}/orders`);

    expect(response.status).toBe(200);
    expect(sends).toBe(2);
    expect(api.log.slice(logBefore).map((entry) => entry.reason)).toEqual(['token_revoked', 'ok']);
    expect(await manager.getAccessToken()).not.toBe(old);
    manager.dispose();
  });

  it.each([-10, 10])(
    'works with the client clock %s min off, iat corrected from the Date header',
    async (minutes) => {
      const { dpop, manager } = client({ clock: () => Date.now() + minutes * 60_000 });
      const { response } = await sendWithDPoP(manager, dpop, `${api.url}/orders`);
      expect(response.status).toBe(200);
      manager.dispose();
    },
  );

  it.each(['post', 'PUT', 'PATCH', 'delete'])(
    'binds htm to the method the API receives: %s',
    async (method) => {
      const { dpop, manager } = client();
      const { response } = await sendWithDPoP(manager, dpop, `${api.url}/orders/1`, method);
      expect(response.status).toBe(200);
      expect(api.log.at(-1)?.reason).toBe('ok');
      manager.dispose();
    },
  );

  it.each([
    ['a query', '/orders?id=1&x=%20y'],
    ['a fragment', '/orders#section'],
    ['an @ in the path', '/users/ann@example.com'],
    ['spaces in the path', '/files/my file.txt'],
    ['an encoded @ in the path', '/users/ann%40example.com'],
    ['a trailing slash', '/orders/'],
    ['no path', ''],
  ])('binds htu to the URL the API receives, with %s', async (_, path) => {
    const { dpop, manager } = client();
    const { response } = await sendWithDPoP(manager, dpop, `${api.url}${path}`);
    expect(response.status).toBe(200);
    manager.dispose();
  });
});

describe('API calls: what a thief can do with a stolen token', () => {
  let victim: { dpop: DPoP; manager: TokenManager };
  let token: string;
  beforeAll(async () => {
    victim = client();
    await sendWithDPoP(victim.manager, victim.dpop, `${api.url}/orders`);
    token = await victim.manager.getAccessToken();
  });
  afterAll(() => victim.manager.dispose());

  it('is rejected sending the token as Bearer', async () => {
    const response = await fetch(`${api.url}/orders`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(401);
    expect(api.log.at(-1)?.reason).toBe('bearer_scheme');
  });

  it('is rejected sending the token as DPoP without a proof', async () => {
    const response = await fetch(`${api.url}/orders`, { headers: { authorization: `DPoP ${token}` } });
    expect(response.status).toBe(401);
    expect(api.log.at(-1)?.reason).toBe('one_proof_required');
  });

  it('is rejected sending the token with a valid proof from another key', async () => {
    const thief = createDPoP();
    thief.learn({ url: api.url, status: 200, headers: { 'dpop-nonce': api.currentNonce() } });
    const url = `${api.url}/orders`;
    const proof = await thief.headersFor({ method: 'GET', url, accessToken: token });

    const response = await fetch(url, { headers: { authorization: `DPoP ${token}`, ...proof } });

    expect(response.status).toBe(401);
    expect(api.log.at(-1)?.reason).toBe('cnf_jkt');
  });

  it('is rejected replaying a proof the client sent', async () => {
    const url = `${api.url}/orders`;
    const proof = await victim.dpop.headersFor({ method: 'GET', url, accessToken: token });
    const headers = { authorization: `DPoP ${token}`, ...proof };
    const first = await fetch(url, { headers });
    expect(first.status).toBe(200);

    const replay = await fetch(url, { headers });

    expect(replay.status).toBe(401);
    expect(api.log.at(-1)?.reason).toBe('jti_replayed');
  });
});

describe('the strict API rejects every wrong claim (so the tests above can fail)', () => {
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let token: string;
  let jwk: Record<string, unknown>;
  beforeAll(async () => {
    const dpop = createDPoP({ key: key.privateKey });
    const manager = new TokenManager({
      fetchTokens: () => requestToken(dpop.fetch, provider.tokenUrl),
      tokenTypes: ['DPoP'],
    });
    token = await manager.getAccessToken();
    manager.dispose();
    jwk = (await exportJWK(key.publicKey)) as Record<string, unknown>;
  });

  // `iatShift`: seconds added to `iat` when the proof is made (not when the table loads: on a slow run
  // minutes can pass between the two).
  type Tweak = {
    header?: Record<string, unknown>;
    claims?: Record<string, unknown>;
    drop?: string[];
    iatShift?: number;
  };
  async function proofWith(url: string, tweak: Tweak = {}) {
    const claims: Record<string, unknown> = {
      jti: crypto.randomUUID(),
      htm: 'GET',
      htu: url,
      iat: Math.floor(Date.now() / 1000) + (tweak.iatShift ?? 0),
      nonce: api.currentNonce(),
      ath: await athOf(token),
      ...tweak.claims,
    };
    for (const name of tweak.drop ?? []) delete claims[name];
    return new SignJWT(claims)
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk, ...tweak.header } as never)
      .sign(key.privateKey);
  }
  async function call(tweak: Tweak, mutate?: (proof: string) => string) {
    const url = `${api.url}/orders`;
    const proof = await proofWith(url, tweak);
    const response = await fetch(`${url}?q=1`, {
      headers: { authorization: `DPoP ${token}`, DPoP: mutate ? mutate(proof) : proof },
    });
    await response.body?.cancel();
    return { status: response.status, reason: api.log.at(-1)?.reason };
  }

  it('accepts the well-formed control proof', async () => {
    expect(await call({})).toEqual({ status: 200, reason: 'ok' });
  });

  it.each<[string, Tweak, string]>([
    ['htm', { claims: { htm: 'POST' } }, 'htm'],
    ['htu with another path', { claims: { htu: 'http://127.0.0.1:1/orders' } }, 'htu'],
    ['htu with the query', { claims: { htu: 'QUERY' } }, 'htu'],
    ['iat 6 minutes old', { iatShift: -360 }, 'iat'],
    ['iat 6 minutes ahead', { iatShift: 360 }, 'iat'],
    ['no iat', { drop: ['iat'] }, 'iat'],
    ['no jti', { drop: ['jti'] }, 'jti'],
    ['a stale nonce', { claims: { nonce: 'stale' } }, 'use_dpop_nonce'],
    ['no nonce', { drop: ['nonce'] }, 'use_dpop_nonce'],
    ['ath of another token', { claims: { ath: 'x'.repeat(43) } }, 'ath'],
    ['no ath', { drop: ['ath'] }, 'ath'],
    ['typ JWT', { header: { typ: 'JWT' } }, 'bad_proof_signature_or_typ'],
    [
      'a jwk from another key',
      { header: { jwk: { ...{}, kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' } } },
      'bad_proof_signature_or_typ',
    ],
  ])('rejects %s', async (_, tweak, reason) => {
    if (tweak.claims?.htu === 'QUERY') tweak.claims.htu = `${api.url}/orders?q=1`;
    expect(await call(tweak)).toEqual({ status: 401, reason });
  });

  it('rejects a tampered signature', async () => {
    const flip = (proof: string) => `${proof.slice(0, -4)}${proof.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    expect(await call({}, flip)).toEqual({ status: 401, reason: 'bad_proof_signature_or_typ' });
  });

  it('rejects a proof that carries the private key', async () => {
    const privateJwk = await exportJWK(key.privateKey);
    expect(await call({ header: { jwk: privateJwk } })).toMatchObject({ status: 401 });
  });

  it('rejects two proofs (fetch sends them as one comma-joined DPoP header)', async () => {
    const url = `${api.url}/orders`;
    const headers = new Headers({ authorization: `DPoP ${token}` });
    headers.append('DPoP', await proofWith(url));
    headers.append('DPoP', await proofWith(url));
    const response = await fetch(url, { headers });
    expect(response.status).toBe(401);
    expect(api.log.at(-1)?.reason).toBe('bad_proof_signature_or_typ');
  });

  it('checks proofs by signature with jose, as the client produces them', async () => {
    const dpop = createDPoP({ key: key.privateKey });
    const { DPoP } = await dpop.headersFor({ method: 'GET', url: `${api.url}/orders`, accessToken: token });
    expect((await readProof(DPoP)).claims.ath).toBe(await athOf(token));
  });
});
