import { describe, expect, it } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { withTokens } from './with-tokens.js';

const API = 'https://api.example.com';

describe('a 303 to a POST Request whose upload the server did not read', () => {
  it('follows as a GET without a body and never reads the rest of the upload (a failing upload stream does not fail the call)', async () => {
    const { tokens } = await countingTokens();
    const encoder = new TextEncoder();
    let pulls = 0;
    // An upload that fails after a few chunks: the server answered 303 before reading it.
    const upload = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls += 1;
        if (pulls > 5) controller.error(new Error('upload broke'));
        else controller.enqueue(encoder.encode(`chunk-${pulls}`));
      },
    });
    const sent: Array<{ url: string; method: string; body: unknown; authorization: string | null }> = [];
    const api = withTokens(
      async (input, init) => {
        const request = new Request(input, init);
        sent.push({
          url: request.url,
          method: request.method,
          body: init?.body ?? null,
          authorization: request.headers.get('authorization'),
        });
        return sent.length === 1
          ? new Response(null, { status: 303, headers: { location: `${API}/orders/7` } })
          : Response.json({ id: 7 });
      },
      tokens,
      { baseUrl: API },
    );
    const request = new Request(`${API}/orders`, {
      method: 'POST',
      body: upload,
      duplex: 'half',
    } as RequestInit);
    const response = await api(request);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: 7 });
    expect(sent.map(({ url, method, authorization }) => [url, method, authorization])).toEqual([
      [`${API}/orders`, 'POST', 'Bearer at-0'],
      [`${API}/orders/7`, 'GET', 'Bearer at-0'],
    ]);
    expect(sent[1]?.body).toBeNull();
    expect(pulls).toBeLessThan(5);
    tokens.dispose();
  });
});
