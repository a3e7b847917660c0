import { generateKeyPairSync } from 'node:crypto';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { clientCredentials } from './client-credentials.js';
import { MissingPeerDependencyError } from './errors/missing-peer-dependency-error.js';

// This file runs as if `jose` were not installed.
vi.mock('jose', () => {
  throw new Error("Cannot find package 'jose'");
});

const TOKEN_URL = 'https://auth.example.test/oauth/token';
let tokenRequests = 0;
const server = setupServer(
  http.post(TOKEN_URL, () => {
    tokenRequests += 1;
    return HttpResponse.json({ access_token: 'at', expires_in: 60 });
  }),
);
/** `@tessera/testing`'s `failUnhandledRequest` needs `jose`, which this file pretends is missing. */
function failUnhandledRequest(request: Request): never {
  throw new Error(`No msw handler for ${request.method} ${new URL(request.url).pathname}`);
}
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterAll(() => server.close());

describe('without jose installed', () => {
  it('rejects private_key_jwt requests with MissingPeerDependencyError naming the package, not retried', async () => {
    const credentials = clientCredentials({
      tokenUrl: TOKEN_URL,
      clientId: 'svc',
      privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
      retry: { retries: 3, minTimeout: 0 },
    });

    const error = await credentials.getAccessToken().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(MissingPeerDependencyError);
    expect(error).toMatchObject({ code: 'MISSING_PEER_DEPENDENCY', packageName: 'jose' });
    expect((error as Error).message).toContain('npm install jose');
    expect(tokenRequests).toBe(0);
    credentials.dispose();
  });

  it('still serves client_secret_basic clients', async () => {
    const credentials = clientCredentials({
      tokenUrl: TOKEN_URL,
      clientId: 'svc',
      clientSecret: 'secret-value',
    });

    expect(await credentials.getAccessToken()).toBe('at');
    credentials.dispose();
  });
});
