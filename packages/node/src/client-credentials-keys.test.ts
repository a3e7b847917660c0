import { failUnhandledRequest } from '@tessera/testing';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SECRET } from '../test/msw-token-endpoint.js';
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

/** Token endpoints on two hosts, answering `<host>-<n>`; returns the hosts asked, in order. */
function twoServers(): string[] {
  const asked: string[] = [];
  // A RegExp: the second endpoint's path holds `https:`, which a path pattern would read as a parameter.
  server.use(
    http.post(/^https:\/\/(x|y)\.test\//, ({ request }) => {
      const [host = ''] = new URL(request.url).hostname.split('.');
      asked.push(host);
      return HttpResponse.json({ access_token: `${host}-${asked.length}`, expires_in: 3600 });
    }),
  );
  return asked;
}

describe('clients sharing a storage', () => {
  it('never serve a client the token of another whose id and endpoint join to the same text', async () => {
    const asked = twoServers();
    const storage = sharedStorage();
    const create = (clientId: string, tokenUrl: string) => {
      const created = clientCredentials({ clientId, tokenUrl, clientSecret: SECRET, storage, retry: false });
      clients.push(created);
      return created;
    };
    // `a@https://x.test/` + `@` + `https://y.test/token` = `a` + `@` + `https://x.test/@https://y.test/token`.
    const crafted = create('a@https://x.test/', 'https://y.test/token');
    const victim = create('a', 'https://x.test/@https://y.test/token');

    expect(await victim.getAccessToken()).toBe('x-1');
    const tokens = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 ? victim : crafted).getAccessToken()),
    );

    expect(new Set(tokens.filter((_, i) => i % 2 === 1))).toEqual(new Set(['x-1']));
    expect(new Set(tokens.filter((_, i) => i % 2 === 0))).toEqual(new Set(['y-2']));
    expect(asked).toEqual(['x', 'y']);
    expect(crafted.key).not.toBe(victim.key);
  });
});
