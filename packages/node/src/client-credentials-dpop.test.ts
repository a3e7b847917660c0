import { generateKeyPairSync } from 'node:crypto';
import { isOAuthError, MalformedResponseError } from '@tessera/core';
import { createDPoP, DPoPNonceError } from '@tessera/dpop';
import { failUnhandledRequest } from '@tessera/testing';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, SECRET, TOKEN_URL } from '../test/msw-token-endpoint.js';
import { sharedStorage } from '../test/shared-storage.js';
import { type ClientCredentials, clientCredentials } from './client-credentials.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  for (const client of clients.splice(0)) client.dispose();
});
afterAll(() => server.close());
const clients: ClientCredentials[] = [];

/** A token endpoint that wants a proof with its nonce (400 use_dpop_nonce first), answering `tokenType`. */
/** A private_key_jwt client (a new P-256 key) with `dpop`, no retries; disposed after the test. */
function assertionClient(dpop: ReturnType<typeof createDPoP>): ClientCredentials {
  const client = clientCredentials({
    tokenUrl: TOKEN_URL,
    clientId: 'billing',
    privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
    dpop,
    retry: false,
  });
  clients.push(client);
  return client;
}

function endpoint(tokenType: string) {
  const proofs: string[] = [];
  server.use(
    http.post(TOKEN_URL, ({ request }) => {
      const proof = request.headers.get('dpop') ?? '';
      proofs.push(proof);
      if (decodeJwt(proof).nonce !== 'n-1') {
        return HttpResponse.json(
          { error: 'use_dpop_nonce' },
          { status: 400, headers: { 'DPoP-Nonce': 'n-1' } },
        );
      }
      return HttpResponse.json({ access_token: 'at-dpop', token_type: tokenType, expires_in: 300 });
    }),
  );
  return proofs;
}

describe('clientCredentials({ dpop })', () => {
  it('sends token requests through dpop.fetch (a proof, one nonce retry) and keeps the DPoP token type', async () => {
    const proofs = endpoint('DPoP');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const dpop = createDPoP({ key: privateKey });
    const client = clientCredentials({
      tokenUrl: TOKEN_URL,
      clientId: 'billing',
      clientSecret: SECRET,
      dpop,
    });
    clients.push(client);

    const tokens = await client.for().getTokens();

    expect(tokens).toMatchObject({ accessToken: 'at-dpop', tokenType: 'DPoP' });
    expect(proofs.map((proof) => [decodeProtectedHeader(proof).typ, decodeJwt(proof).htm])).toEqual([
      ['dpop+jwt', 'POST'],
      ['dpop+jwt', 'POST'],
    ]);
    expect(decodeJwt(proofs[1] ?? '')).toMatchObject({ htu: TOKEN_URL, nonce: 'n-1' });
  });

  it('refuses a Bearer answer: MalformedResponseError, never a silent downgrade', async () => {
    endpoint('Bearer');
    const client = clientCredentials({
      tokenUrl: TOKEN_URL,
      clientId: 'billing',
      clientSecret: SECRET,
      dpop: createDPoP(),
      retry: false,
    });
    clients.push(client);
    const error = await client.getAccessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect((error as Error).message).toContain('token_type "Bearer" is not in tokenTypes (DPoP)');
  });
});

describe('clientCredentials({ dpop, storage }): replicas sharing tokens', () => {
  const replica = (dpop: ReturnType<typeof createDPoP>, storage: ReturnType<typeof sharedStorage>) => {
    const client = clientCredentials({
      tokenUrl: TOKEN_URL,
      clientId: 'billing',
      clientSecret: SECRET,
      dpop,
      storage,
    });
    clients.push(client);
    return client;
  };

  it('refuses a key generated in this process: the other replicas would drop its tokens and fetch their own', () => {
    const storage = sharedStorage();
    expect(() => replica(createDPoP(), storage)).toThrow(
      new TypeError(
        'clientCredentials: dpop has a key generated in this process, but storage is shared with others that cannot use tokens bound to it: pass createDPoP({ key }) with the P-256 key every process shares',
      ),
    );
  });

  it('shares one token between replicas that share the key: one token request for both', async () => {
    const proofs = endpoint('DPoP');
    const storage = sharedStorage();
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const events: string[] = [];
    const [a, b] = [
      replica(createDPoP({ key: privateKey }), storage),
      replica(createDPoP({ key: privateKey }), storage),
    ];
    b.subscribe((event) => events.push(event.type));

    expect(await a.getAccessToken()).toBe('at-dpop');
    expect(await b.getAccessToken()).toBe('at-dpop');

    expect(proofs).toHaveLength(2); // one token request: its proof, and the nonce retry
    expect(events).not.toContain('storage_error');
  });
});

describe('clientCredentials({ privateKey, dpop }) against a server requiring nonces', () => {
  /**
   * As oidc-provider: client authentication first (each assertion jti once), then the proof's nonce,
   * the current one being `nonce.value`.
   */
  function strictEndpoint(nonce: { value: string }) {
    const sent: { jti: string; proofNonce: unknown; status: number; error: string | undefined }[] = [];
    server.use(
      http.post(TOKEN_URL, async ({ request }) => {
        const form = new URLSearchParams(await request.text());
        const jti = String(decodeJwt(form.get('client_assertion') ?? '').jti);
        const proofNonce = decodeJwt(request.headers.get('dpop') ?? '').nonce;
        const answer = (status: number, error?: string) => sent.push({ jti, proofNonce, status, error });
        if (sent.some((entry) => entry.jti === jti)) {
          answer(401, 'invalid_client');
          return HttpResponse.json({ error: 'invalid_client' }, { status: 401 });
        }
        if (proofNonce !== nonce.value) {
          answer(400, 'use_dpop_nonce');
          return HttpResponse.json(
            { error: 'use_dpop_nonce' },
            { status: 400, headers: { 'DPoP-Nonce': nonce.value } },
          );
        }
        answer(200);
        return HttpResponse.json(
          { access_token: `at-${sent.length}`, token_type: 'DPoP', expires_in: 300 },
          { headers: { 'DPoP-Nonce': nonce.value } },
        );
      }),
    );
    return sent;
  }

  it('signs a new assertion for the nonce retry: 2 requests, distinct jti, the nonce in the second proof; a rotation costs one more', async () => {
    const nonce = { value: 'n-1' };
    const sent = strictEndpoint(nonce);
    const events: string[] = [];
    const client = assertionClient(createDPoP({ onEvent: (event) => events.push(event.type) }));

    const tokens = await client.for().getTokens();

    expect(tokens).toMatchObject({ accessToken: 'at-2', tokenType: 'DPoP' });
    expect(sent.map(({ proofNonce, status, error }) => [proofNonce, status, error])).toEqual([
      [undefined, 400, 'use_dpop_nonce'],
      ['n-1', 200, undefined],
    ]);
    expect(new Set(sent.map((entry) => entry.jti)).size).toBe(2);
    expect(events).toEqual(['nonce_retry']);

    nonce.value = 'n-2';
    await client.for().clear();
    const rotated = await client.for().getTokens();

    expect(rotated).toMatchObject({ accessToken: 'at-4', tokenType: 'DPoP' });
    expect(sent.slice(2).map(({ proofNonce, status, error }) => [proofNonce, status, error])).toEqual([
      ['n-1', 400, 'use_dpop_nonce'],
      ['n-2', 200, undefined],
    ]);
    expect(new Set(sent.map((entry) => entry.jti)).size).toBe(4);
    expect(events).toEqual(['nonce_retry', 'nonce_retry']);
  });

  it('never sends a third request: a challenge to the retry is the DPoPNonceError rejected_after_retry, as for other bodies', async () => {
    const nonce = { value: 'n-1' };
    const sent = strictEndpoint(nonce);
    server.events.on('response:mocked', () => {
      nonce.value = `n-${sent.length + 1}`; // a new nonce after every answer
    });
    const client = assertionClient(createDPoP());

    const error = await client.getAccessToken().catch((e: unknown) => e);
    server.events.removeAllListeners();

    expect(error).toBeInstanceOf(DPoPNonceError);
    expect(error).toMatchObject({ code: 'DPOP_NONCE', failure: 'rejected_after_retry', status: 400 });
    expect(sent.map((entry) => entry.status)).toEqual([400, 400]);
    expect(new Set(sent.map((entry) => entry.jti)).size).toBe(2);
  });
  it('signs a new assertion for the clock retry too: 2 requests, distinct jti, the second proof on the server clock', async () => {
    // As oidc-provider without nonces: client authentication first, then the proof's iat (±300 s).
    const serverNow = () => Date.now() + 10 * 60_000;
    const sent: { jti: string; iat: number; status: number }[] = [];
    server.use(
      http.post(TOKEN_URL, async ({ request }) => {
        const jti = String(
          decodeJwt(new URLSearchParams(await request.text()).get('client_assertion') ?? '').jti,
        );
        const iat = Number(decodeJwt(request.headers.get('dpop') ?? '').iat);
        const headers = { Date: new Date(serverNow()).toUTCString() };
        const answer = (status: number, body: object) => {
          sent.push({ jti, iat, status });
          return HttpResponse.json(body, { status, headers });
        };
        if (sent.some((entry) => entry.jti === jti)) return answer(401, { error: 'invalid_client' });
        if (Math.abs(iat - serverNow() / 1000) > 300) return answer(400, { error: 'invalid_dpop_proof' });
        return answer(200, { access_token: 'at-skewed', token_type: 'DPoP', expires_in: 300 });
      }),
    );
    const events: string[] = [];
    const client = assertionClient(createDPoP({ onEvent: (event) => events.push(event.type) }));

    await expect(client.getAccessToken()).resolves.toBe('at-skewed');

    expect(sent.map((entry) => entry.status)).toEqual([400, 200]);
    expect(new Set(sent.map((entry) => entry.jti)).size).toBe(2);
    expect(events).toEqual(['clock_retry']);
  });

  const base64Forms = (assertion: string): string[] => {
    const bytes = Buffer.from(assertion);
    return [
      bytes.toString('base64'),
      bytes.toString('base64').replace(/=+$/, ''),
      bytes.toString('base64url'),
    ];
  };

  it.each([
    [
      'as it is',
      (assertion: string) => `assertion ${assertion} not accepted`,
      'assertion [redacted] not accepted',
    ],
    [
      'in Base64 too, as the first one is',
      (assertion: string) => `got ${base64Forms(assertion)[0]} (${base64Forms(assertion)[2]})`,
      'got [redacted] ([redacted])',
    ],
  ])(
    'keeps the resent assertion out of the error when the server echoes it %s',
    async (_, echo, redacted) => {
      const nonce = { value: 'n-1' };
      const assertions: string[] = [];
      server.use(
        http.post(TOKEN_URL, async ({ request }) => {
          const assertion = new URLSearchParams(await request.text()).get('client_assertion') ?? '';
          assertions.push(assertion);
          if (decodeJwt(request.headers.get('dpop') ?? '').nonce !== nonce.value) {
            return HttpResponse.json(
              { error: 'use_dpop_nonce' },
              { status: 400, headers: { 'DPoP-Nonce': nonce.value } },
            );
          }
          return HttpResponse.json(
            { error: 'invalid_client', error_description: echo(assertion) },
            { status: 401 },
          );
        }),
      );
      const client = assertionClient(createDPoP());

      const error = await client.getAccessToken().catch((e: unknown) => e);

      expect(isOAuthError(error, 'invalid_client')).toBe(true);
      expect(assertions).toHaveLength(2);
      const seen = `${(error as Error).message} ${JSON.stringify(error)}`;
      expect(seen).toContain(redacted);
      for (const assertion of assertions) expect(seen).not.toContain(assertion);
      expectNoSecrets(error, base64Forms(assertions[1]!));
    },
  );
});
