import { describe, expect, it, vi } from 'vitest';
import { readProof } from '../test/read-proof.js';
import { createDPoP } from './create-dpop.js';

/**
 * Mutation check of `dpop.fetch` following redirects itself (decision 1211): every hop gets a fresh
 * proof for its own URL, and a hop to another origin gets none — the origin rule of the hops
 * (`allows`) had no test: with it allowing every origin, a proof went to the other server.
 */

interface Sent {
  url: string;
  dpop: string | null;
}

function server(location: string) {
  const sent: Sent[] = [];
  const fetch = vi.fn(async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    sent.push({ url: request.url, dpop: request.headers.get('dpop') });
    return sent.length === 1
      ? new Response(null, { status: 307, headers: { Location: location } })
      : new Response(JSON.stringify({ access_token: 'at', token_type: 'DPoP', expires_in: 60 }), {
          headers: { 'content-type': 'application/json' },
        });
  });
  return { sent, fetch };
}

const body = () => new URLSearchParams({ grant_type: 'client_credentials', client_id: 'svc' });

describe('dpop.fetch: a redirect of the token request', () => {
  it('sends no proof to another origin', async () => {
    const as = server('https://other.example/token');
    const dpop = createDPoP({ fetch: as.fetch });

    const response = await dpop.fetch('https://as.example/token', { method: 'POST', body: body() });

    expect(response.status).toBe(200);
    expect(as.sent.map((entry) => [entry.url, entry.dpop === null])).toEqual([
      ['https://as.example/token', false],
      ['https://other.example/token', true],
    ]);
  });

  it('sends a fresh proof naming the new URL on a hop within the origin', async () => {
    const as = server('/v2/token');
    const dpop = createDPoP({ fetch: as.fetch });

    await dpop.fetch('https://as.example/token', { method: 'POST', body: body() });

    expect(as.sent.map((entry) => entry.url)).toEqual([
      'https://as.example/token',
      'https://as.example/v2/token',
    ]);
    const [first, second] = await Promise.all(
      as.sent.map(async (entry) => (await readProof(entry.dpop)).claims),
    );
    expect([first?.htm, first?.htu]).toEqual(['POST', 'https://as.example/token']);
    expect([second?.htm, second?.htu]).toEqual(['POST', 'https://as.example/v2/token']);
    expect(second?.jti).not.toBe(first?.jti);
  });
});
