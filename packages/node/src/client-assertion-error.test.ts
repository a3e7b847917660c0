import { generateKeyPairSync } from 'node:crypto';
import { createDPoP } from '@tessera/dpop';
import { failUnhandledRequest } from '@tessera/testing';
import { decodeJwt } from 'jose';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectNoSecrets, TOKEN_URL } from '../test/msw-token-endpoint.js';
import { type ClientCredentials, clientCredentials } from './client-credentials.js';
import { ClientAssertionError } from './errors/client-assertion-error.js';

// jose as installed, except that the `failAt`-th signature fails as jose fails for a key it refuses.
const signing = vi.hoisted(() => ({ calls: 0, failAt: 0 }));
vi.mock('./load-jose.js', async () => {
  const jose = await import('jose');
  class SignJWT extends jose.SignJWT {
    override sign(key: Parameters<InstanceType<typeof jose.SignJWT>['sign']>[0]) {
      signing.calls += 1;
      if (signing.calls === signing.failAt) {
        return Promise.reject(new TypeError('RS256 requires key modulusLength to be 2048 bits or larger'));
      }
      return super.sign(key);
    }
  }
  return { loadJose: async () => ({ ...jose, SignJWT }) };
});

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  for (const client of clients.splice(0)) client.dispose();
  signing.calls = 0;
});
afterAll(() => server.close());
const clients: ClientCredentials[] = [];

/** A private_key_jwt client with DPoP and default-like retries (no waiting); disposed after the test. */
function client(): ClientCredentials {
  const created = clientCredentials({
    tokenUrl: TOKEN_URL,
    clientId: 'billing',
    privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
    dpop: createDPoP(),
    retry: { retries: 2, minTimeout: 0, maxTimeout: 0, randomize: false },
  });
  clients.push(created);
  return created;
}

/** Asks for a nonce first; records every client assertion it receives. */
function nonceEndpoint(): string[] {
  const assertions: string[] = [];
  server.use(
    http.post(TOKEN_URL, async ({ request }) => {
      assertions.push(new URLSearchParams(await request.text()).get('client_assertion') ?? '');
      if (decodeJwt(request.headers.get('dpop') ?? '').nonce !== 'n-1') {
        return HttpResponse.json(
          { error: 'use_dpop_nonce' },
          { status: 400, headers: { 'DPoP-Nonce': 'n-1' } },
        );
      }
      return HttpResponse.json({ access_token: 'at-dpop', token_type: 'DPoP', expires_in: 300 });
    }),
  );
  return assertions;
}

describe('a client assertion jose cannot sign', () => {
  it("is a ClientAssertionError, not a retried NetworkError, when it is the DPoP nonce retry's new assertion", async () => {
    const assertions = nonceEndpoint();
    signing.failAt = 2; // the first assertion signs; the one for the nonce retry does not

    const error = await client()
      .getAccessToken()
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ClientAssertionError);
    expect(error).toMatchObject({
      code: 'CLIENT_ASSERTION_FAILED',
      alg: 'ES256',
      message:
        'private_key_jwt: signing the client assertion (ES256) failed: RS256 requires key modulusLength to be 2048 bits or larger',
    });
    expect((error as Error).cause).toBeInstanceOf(TypeError);
    expect(assertions).toHaveLength(1); // the challenged request only: no retry, no resend
    expect(signing.calls).toBe(2);
    expectNoSecrets(error, assertions);
  });

  it('is a ClientAssertionError, sent nowhere and not retried, when it is the first assertion', async () => {
    const assertions = nonceEndpoint();
    signing.failAt = 1;

    const error = await client()
      .getAccessToken()
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ClientAssertionError);
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'ClientAssertionError',
      code: 'CLIENT_ASSERTION_FAILED',
      alg: 'ES256',
      message:
        'private_key_jwt: signing the client assertion (ES256) failed: RS256 requires key modulusLength to be 2048 bits or larger',
    });
    expect(assertions).toHaveLength(0);
    expect(signing.calls).toBe(1);
  });
});
