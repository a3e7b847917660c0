import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';

// A mutant of stop 38's `knownSecrets` that the other tests let live: each copy of the package (the
// CJS build an old test helper requires, and the ESM source) keeping its own set. Loaded in this order
// on purpose: the CJS copy first, this source second (no static import of it).
const cjs = createRequire(import.meta.url)('../dist/index.cjs') as typeof import('./index.js');

describe('knownSecrets: one set for every copy of @tessera/testing', () => {
  it('a secret a server of the CJS copy knows is hidden by the ESM copy’s failUnhandledRequest, and the other way round', async () => {
    const { createAuthServer } = await import('./create-auth-server.js');
    const { failUnhandledRequest } = await import('./fail-unhandled-request.js');
    cjs.createAuthServer({ clients: [{ clientId: 'svc', clientSecret: 'secret-of-the-cjs-copy' }] });
    createAuthServer({ clients: [{ clientId: 'svc', clientSecret: 'secret-of-the-esm-copy' }] });
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      for (const [fail, secret] of [
        [failUnhandledRequest, 'secret-of-the-cjs-copy'],
        [cjs.failUnhandledRequest, 'secret-of-the-esm-copy'],
      ] as const) {
        expect(() => fail(new Request(`https://other.example.test/c/${secret}`))).toThrow(
          '[@tessera/testing] No msw handler for GET https://other.example.test/c/[REDACTED]: the request failed.',
        );
      }
      expect(JSON.stringify(log.mock.calls)).not.toContain('secret-of');
    } finally {
      log.mockRestore();
    }
  });
});
