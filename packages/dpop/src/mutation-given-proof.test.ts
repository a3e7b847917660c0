import { describe, expect, it, vi } from 'vitest';
import { createDPoP } from './create-dpop.js';

/**
 * Mutation check: `dpop.fetch` sends a request that already carries a `DPoP` header as it is. That
 * proof is a transport's (`withTokens(dpop.fetch, …)`), with the `ath` of the token it goes with; one
 * signed here in its place has no `ath`, and the resource server refuses the token.
 */

describe('dpop.fetch: a request that already carries a DPoP proof', () => {
  it('sends that proof untouched, once', async () => {
    const seen: (string | null)[] = [];
    const fetch = vi.fn(async (input: string | URL | Request, init?: RequestInit) => {
      seen.push(new Request(input, init).headers.get('dpop'));
      return new Response('{}', { headers: { 'content-type': 'application/json' } });
    });
    const dpop = createDPoP({ fetch });

    await dpop.fetch('https://api.example.com/orders', {
      headers: { Authorization: 'DPoP at', DPoP: 'the-transport-proof' },
    });

    expect(seen).toEqual(['the-transport-proof']);
  });
});
