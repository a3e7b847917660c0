import { describe, expect, it, vi } from 'vitest';
import { readProof } from '../test/read-proof.js';
import { createDPoP } from './create-dpop.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

/** A response as fetch gives it after following a redirect on the same origin (`redirected`, the end's `url`). */
function followed(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const response = new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
  Object.defineProperty(response, 'url', { value: 'https://as.example/result' });
  Object.defineProperty(response, 'redirected', { value: true });
  return response;
}

describe('dpop.fetch: an answer after a redirect the runtime followed', () => {
  it('a POST with a stream body (the runtime follows it): a stored copy’s hour-old Date at the end never moves the next proof’s clock', async () => {
    const stale = { Date: new Date(NOW - 3_600_000).toUTCString(), 'Cache-Control': 'public, max-age=3600' };
    const proofs: (string | null)[] = [];
    const fetch = vi.fn(async (input: string | URL | Request, init?: RequestInit) => {
      const request = new Request(input, init);
      proofs.push(request.headers.get('dpop'));
      await request.arrayBuffer();
      return proofs.length === 1 ? followed(200, { ok: true }, stale) : new Response('{}');
    });
    const dpop = createDPoP({ fetch, clock: () => NOW });
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('a=1'));
        controller.close();
      },
    });

    await dpop.fetch('https://as.example/par', { method: 'POST', body, duplex: 'half' } as RequestInit);
    await dpop.fetch('https://as.example/token', { method: 'POST', body: 'a=1' });

    expect(fetch).toHaveBeenCalledTimes(2);
    expect((await readProof(proofs[1])).claims.iat).toBe(NOW / 1000);
  });
});
