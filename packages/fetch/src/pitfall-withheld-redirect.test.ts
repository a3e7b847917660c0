import { type FetchTokens, TokenManager } from '@tessera/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withTokens } from './with-tokens.js';

/**
 * The catalogue's "Authorization on cross-origin redirects differs by runtime and version": once the
 * token was withheld at a hop the policy does not allow, it is never put back, and a 401 at the end of
 * the chain says nothing about the token — even when the chain comes back to the API origin.
 */

const API = 'https://api.example.com';
const managers: TokenManager[] = [];
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
});

describe('withTokens: a chain that leaves the API origin and comes back', () => {
  it('sends no token after the disallowed hop, and its 401 at the API origin refreshes nothing', async () => {
    const fetchTokens = vi.fn<FetchTokens>(async () => ({ access_token: 'at-1', expires_in: 300 }));
    const tokens = new TokenManager({ fetchTokens, retry: false });
    managers.push(tokens);
    await tokens.setTokens({ access_token: 'at-0', expires_in: 300, refresh_token: 'rt' });
    const invalidate = vi.spyOn(tokens, 'invalidate');
    const sent: Array<[string, string | null]> = [];
    const api = async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      sent.push([request.url, request.headers.get('authorization')]);
      const location = {
        [`${API}/start`]: 'https://other.example.net/bounce',
        'https://other.example.net/bounce': `${API}/end`,
      }[request.url];
      return location
        ? new Response(null, { status: 302, headers: { Location: location } })
        : new Response(null, {
            status: 401,
            headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
          });
    };
    const fetch = withTokens(api as typeof globalThis.fetch, tokens, { baseUrl: API });

    const response = await fetch('/start');

    expect(response.status).toBe(401);
    expect(sent).toEqual([
      [`${API}/start`, 'Bearer at-0'],
      ['https://other.example.net/bounce', null],
      [`${API}/end`, null],
    ]);
    expect(invalidate).not.toHaveBeenCalled();
    expect(fetchTokens).not.toHaveBeenCalled();
  });
});
