import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuthServer } from './create-auth-server.js';
import { failUnhandledRequest } from './fail-unhandled-request.js';

const api = 'https://api.example.test';
const auth = createAuthServer({
  clients: [{ clientId: 'web' }, { clientId: 'svc', clientSecret: 'p@ss w+rd/long' }],
  users: [{ username: 'alice', password: '1' }],
});
const server = setupServer(...auth.handlers, ...auth.protectedApi(api));

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  auth.reset();
});
afterAll(() => server.close());

describe('auth.apiRequests hides a credential the server knows in a path segment, as in the query', () => {
  it('logs /users/<access token>, /<refresh token>/x and a percent-encoded client secret as [REDACTED]', async () => {
    const { access_token, refresh_token = '' } = await auth.issueTokens();
    const headers = { authorization: `Bearer ${access_token}` };
    await fetch(`${api}/users/${access_token}`, { headers });
    await fetch(`${api}/${refresh_token}/orders?page=1`, { headers });
    await fetch(`${api}/clients/${encodeURIComponent('p@ss w+rd/long')}/x`, { headers });
    // Lower-case hex is the same segment to a server.
    await fetch(`${api}/clients/p%40ss%20w%2brd%2flong`, { headers });
    // A short password (`1`) and a value the server never issued stay as sent.
    await fetch(`${api}/page/1/eyJhbGciOiJub25lIn0.e30.`, { headers });
    expect(auth.apiRequests.map((entry) => entry.url)).toEqual([
      `${api}/users/[REDACTED]`,
      `${api}/[REDACTED]/orders?page=1`,
      `${api}/clients/[REDACTED]/x`,
      `${api}/clients/[REDACTED]`,
      `${api}/page/1/eyJhbGciOiJub25lIn0.e30.`,
    ]);
    const shown = JSON.stringify(auth.apiRequests);
    for (const value of [access_token, refresh_token, 'p@ss w+rd/long', 'p%40ss%20w%2Brd%2Flong']) {
      expect(shown).not.toContain(value);
    }
  });

  it('hides a token of an earlier test (issued before reset) in the path, and one in the path and the query at once', async () => {
    const { access_token } = await auth.issueTokens();
    auth.reset();
    await fetch(`${api}/u/${access_token}?t=${access_token}#${'frag'}`);
    expect(auth.apiRequests.map((entry) => entry.url)).toEqual([`${api}/u/[REDACTED]?t=[REDACTED]#frag`]);
  });
});

describe('failUnhandledRequest hides a known credential in the path it names', () => {
  it('names GET https://other.example.test/users/[REDACTED] for a token in the path, in its message and its console line', async () => {
    const { access_token } = await auth.issueTokens();
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const message = `[@tessera/testing] No msw handler for GET https://other.example.test/users/[REDACTED]/x?…: the request failed. Its body and query are not printed: they may hold secrets.`;
      expect(() =>
        failUnhandledRequest(new Request(`https://other.example.test/users/${access_token}/x?page=2`)),
      ).toThrow(message);
      expect(log.mock.calls).toEqual([[message]]);
    } finally {
      log.mockRestore();
    }
  });
});
