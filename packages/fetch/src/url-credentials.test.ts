import { TokenManager } from '@tessera/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withTokens } from './with-tokens.js';

// A URL with user info carries credentials of its own: fetch (undici, browsers, node-fetch 3) refuses
// it, an older fetch (node-fetch 2) sends them; either way it is not the token's request.
const API = 'https://api.example.com';
const managers: TokenManager[] = [];
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
});

async function setup(stored: boolean) {
  const fetchTokens = vi.fn(async () => ({ access_token: 'at-1', expires_in: 300 }));
  const tokens = new TokenManager({ fetchTokens, retry: false });
  managers.push(tokens);
  if (stored) await tokens.setTokens({ access_token: 'at-0', expires_in: 300 });
  return { tokens, fetchTokens };
}

describe('withTokens: a URL with user info (https://user:pass@…)', () => {
  it.each([
    ['a string', () => 'https://user:pass@api.example.com/orders'],
    ['a URL', () => new URL('https://user:pass@api.example.com/orders')],
  ])(
    'sends %s without the token and refreshes nothing on its 401 (a fetch that accepts it)',
    async (_, input) => {
      const { tokens, fetchTokens } = await setup(true);
      const sent: Array<string | null> = [];
      const fetch = vi.fn(async (_input: unknown, init?: RequestInit) => {
        sent.push(new Headers(init?.headers).get('authorization'));
        return new Response(null, { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } });
      });
      const api = withTokens(fetch as typeof globalThis.fetch, tokens, { origins: API });
      const response = await api(input());
      expect(response.status).toBe(401);
      expect(sent).toEqual([null]);
      expect(fetchTokens).not.toHaveBeenCalled();
    },
  );

  it('with the runtime fetch: rejects with fetch’s own TypeError, without waiting for a token', async () => {
    const { tokens, fetchTokens } = await setup(false); // no token yet: a send with the token would refresh first
    const api = withTokens(globalThis.fetch, tokens, { origins: API });
    const error = await api('https://user:pass@api.example.com/orders').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(String((error as Error).message)).toMatch(/credentials/i);
    expect(fetchTokens).not.toHaveBeenCalled();
  });
});
