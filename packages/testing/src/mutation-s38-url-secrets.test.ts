import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuthServer } from './create-auth-server.js';
import { failUnhandledRequest } from './fail-unhandled-request.js';

// Mutants of stop 38's URL rule (`url-secrets.ts`) that the other tests let live: what `auth.apiRequests`
// logs for a URL a test sends.
const api = 'https://api.example.test';
const auth = createAuthServer({
  clients: [{ clientId: 'web' }, { clientId: 'svc', clientSecret: '100%secret' }],
  users: [{ username: 'bob', password: 'seven77' }],
});
const server = setupServer(...auth.handlers, ...auth.protectedApi(api));

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  auth.reset();
});
afterAll(() => server.close());

const logged = async (...paths: string[]) => {
  const { access_token } = await auth.issueTokens();
  for (const path of paths)
    await fetch(`${api}${path}`, { headers: { authorization: `Bearer ${access_token}` } });
  return auth.apiRequests.map((entry) => entry.url);
};

describe('auth.apiRequests: the edges of the rule', () => {
  it('keeps a known credential of 7 characters as sent, in the path and the query (8 is the least hidden)', async () => {
    expect(await logged('/page/seven77?q=seven77&seven77')).toEqual([
      `${api}/page/seven77?q=seven77&seven77`,
    ]);
  });

  it('failUnhandledRequest hides a known secret with a bare % (no escape) in the path, as written', () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(() =>
        failUnhandledRequest(new Request('https://other.example.test/clients/100%secret/x')),
      ).toThrow(
        '[@tessera/testing] No msw handler for GET https://other.example.test/clients/[REDACTED]/x: the request failed.',
      );
    } finally {
      log.mockRestore();
    }
  });

  it('hides a credential parameter named in any case, its value unknown to the server', async () => {
    expect(await logged('/x?ACCESS_TOKEN=abc&Code=xyz&page=1')).toEqual([
      `${api}/x?ACCESS_TOKEN=[REDACTED]&Code=[REDACTED]&page=1`,
    ]);
  });

  it('keeps a ? in the fragment of a URL without a query as sent, and adds no ?', async () => {
    expect(await logged('/orders/7#tab?x=1', '/orders/8')).toEqual([
      `${api}/orders/7#tab?x=1`,
      `${api}/orders/8`,
    ]);
  });
});
