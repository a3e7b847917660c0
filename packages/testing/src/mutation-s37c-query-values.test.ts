import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAuthServer } from './create-auth-server.js';
import { failUnhandledRequest } from './fail-unhandled-request.js';
import { withoutUrlSecrets } from './url-secrets.js';

const api = 'https://api.example.test';
// Short test passwords and secrets, as test teams write them.
const auth = createAuthServer({
  clients: [{ clientId: 'web' }, { clientId: 'svc', clientSecret: 'true' }],
  users: [
    { username: 'alice', password: '1' },
    { username: 'bob', password: 'desc' },
  ],
});
const server = setupServer(...auth.handlers, ...auth.protectedApi(api));

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  auth.reset();
});
afterAll(() => server.close());

describe('auth.apiRequests keeps ordinary query values as sent when a short password or secret equals them', () => {
  it('logs ?page=1&active=true&sort=desc and a bare ?1 as sent (passwords 1 and desc, a client secret true)', async () => {
    const { access_token } = await auth.issueTokens({ username: 'alice' });
    const headers = { authorization: `Bearer ${access_token}` };
    await fetch(`${api}/orders?page=1&active=true&sort=desc`, { headers });
    await fetch(`${api}/orders?1`, { headers });
    // Still hidden by name, however short.
    await fetch(`${api}/orders?password=1&client_secret=true`, { headers });
    expect(auth.apiRequests.map((entry) => entry.url)).toEqual([
      `${api}/orders?page=1&active=true&sort=desc`,
      `${api}/orders?1`,
      `${api}/orders?password=[REDACTED]&client_secret=[REDACTED]`,
    ]);
  });

  it('still hides a known value of 8 characters or more under any name, and an issued token', async () => {
    const { access_token } = await auth.issueTokens();
    const secrets = new Set(['12345678', access_token]);
    expect(withoutUrlSecrets(`${api}/x?a=12345678&b=1234567&t=${access_token}`, secrets)).toBe(
      `${api}/x?a=[REDACTED]&b=1234567&t=[REDACTED]`,
    );
  });

  it('compares the value as a server reads it (percent-encoded, `+` a space), not as written in the URL', () => {
    const secret = 'p@ss w+rd/long';
    const url = `${api}/x?s=${encodeURIComponent(secret)}&f=p%40ss+w%2Brd%2Flong&${encodeURIComponent(secret)}`;
    expect(withoutUrlSecrets(url, new Set([secret]))).toBe(`${api}/x?s=[REDACTED]&f=[REDACTED]&[REDACTED]`);
  });
});
