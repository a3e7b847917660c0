import { generateKeyPairSync } from 'node:crypto';
import { MalformedResponseError } from '@tessera/core';
import { createDPoP } from '@tessera/dpop';
import { failUnhandledRequest } from '@tessera/testing';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SECRET, TOKEN_URL } from '../test/msw-token-endpoint.js';
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
