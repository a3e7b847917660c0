import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ClientCredentials, clientCredentials } from './client-credentials.js';

/**
 * Mutation check: a target's manager leaves the client's map on dispose only while it is still the
 * one held there. Disposing an old manager a second time (dispose is idempotent for the caller) must
 * not drop its successor: `for(target)` would then build a third manager, and the target would have
 * two live managers, each fetching its own token.
 */

const clients: ClientCredentials[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.dispose();
});

function setup() {
  let issued = 0;
  const fetch = vi.fn(
    async () =>
      new Response(
        JSON.stringify({ access_token: `at-${++issued}`, token_type: 'Bearer', expires_in: 300 }),
        {
          headers: { 'content-type': 'application/json' },
        },
      ),
  );
  const client = clientCredentials({
    tokenUrl: 'https://auth.example.com/token',
    clientId: 'billing',
    clientSecret: 'very-secret-value',
    fetch,
  });
  clients.push(client);
  return { client, fetch };
}

describe('clientCredentials.for: a disposed manager disposed again', () => {
  it('keeps the manager that replaced it: the same manager and one token request for the target', async () => {
    const { client, fetch } = setup();
    const old = client.for({ audience: 'ledger' });
    old.dispose();
    const current = client.for({ audience: 'ledger' });
    old.dispose();

    expect(client.for({ audience: 'ledger' })).toBe(current);
    const [first, second] = await Promise.all([
      current.getAccessToken(),
      client.for({ audience: 'ledger' }).getAccessToken(),
    ]);
    expect([first, second]).toEqual(['at-1', 'at-1']);
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});
