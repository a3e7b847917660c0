import { describe, expect, it, vi } from 'vitest';
import { discover } from './discovery/discover.js';
import type { FetchLike } from './fetch-like.js';
import { passwordGrant } from './grants/password-grant.js';
import { revokeToken } from './revoke-token.js';
import { requestToken } from './token-endpoint.js';

const ISSUER = 'https://id.example.com';

// `timeout: 0` is axios's "no timeout"; here it timed every request out at once, after sending it.
describe.each([[0], [-1], [Number.NaN]])('the one-shot helpers with timeout %s', (timeout) => {
  const message = `timeout must be a number of milliseconds > 0, or Infinity for none, got ${timeout}`;
  const calls = (): [FetchLike, ReturnType<typeof vi.fn>] => {
    const fetch = vi.fn(async () => Response.json({ access_token: 'at', expires_in: 60 }));
    return [fetch as unknown as FetchLike, fetch];
  };

  it('requestToken rejects with a TypeError naming the option, nothing sent', async () => {
    const [fetch, spy] = calls();
    const request = requestToken({
      tokenUrl: `${ISSUER}/token`,
      clientId: 'app',
      grantType: 'client_credentials',
      timeout,
      fetch,
    });
    await expect(request).rejects.toThrow(new TypeError(`POST ${ISSUER}/token: ${message}`));
    expect(spy).not.toHaveBeenCalled();
  });

  it('passwordGrant, revokeToken and discover too', async () => {
    const [fetch, spy] = calls();
    const signIn = passwordGrant(
      { tokenUrl: `${ISSUER}/token`, clientId: 'app', timeout, fetch },
      { username: 'u', password: 'p' },
    );
    await expect(signIn).rejects.toThrow(message);
    await expect(
      revokeToken({ revocationUrl: `${ISSUER}/revoke`, clientId: 'app', token: 'rt', timeout, fetch }),
    ).rejects.toThrow(message);
    await expect(discover(ISSUER, { timeout, fetch })).rejects.toThrow(message);
    expect(spy).not.toHaveBeenCalled();
  });
});
