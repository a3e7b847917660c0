import { describe, expect, it, vi } from 'vitest';
import { createDPoP } from './create-dpop.js';

/**
 * Mutation check: a token request whose body is a stream is never sent twice (a second send would
 * carry it empty): its `use_dpop_nonce` answer is returned as it is, and the nonce is learned for the
 * next request.
 */

describe('dpop.fetch: use_dpop_nonce for a stream body', () => {
  it('returns the 400 after one send, and the next request carries the nonce at once', async () => {
    const nonces: (string | undefined)[] = [];
    const fetch = vi.fn(async (input: string | URL | Request, init?: RequestInit) => {
      const request = new Request(input, init);
      const proof = request.headers.get('dpop') ?? '';
      const claims = JSON.parse(Buffer.from(proof.split('.')[1] ?? '', 'base64url').toString()) as {
        nonce?: string;
      };
      nonces.push(claims.nonce);
      await request.text();
      return claims.nonce === 'n-1'
        ? new Response(JSON.stringify({ access_token: 'at', token_type: 'DPoP', expires_in: 60 }), {
            headers: { 'content-type': 'application/json' },
          })
        : new Response(JSON.stringify({ error: 'use_dpop_nonce' }), {
            status: 400,
            headers: { 'content-type': 'application/json', 'DPoP-Nonce': 'n-1' },
          });
    });
    const dpop = createDPoP({ fetch });
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('grant_type=client_credentials'));
        controller.close();
      },
    });

    const response = await dpop.fetch('https://as.example/token', {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit);

    expect(response.status).toBe(400);
    expect(fetch).toHaveBeenCalledTimes(1);
    const next = await dpop.fetch('https://as.example/token', {
      method: 'POST',
      body: 'grant_type=client_credentials',
    });
    expect(next.status).toBe(200);
    expect(nonces).toEqual([undefined, 'n-1']);
  });
});
