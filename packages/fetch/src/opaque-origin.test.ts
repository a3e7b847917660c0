import { describe, expect, it, vi } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { withTokens } from './with-tokens.js';

/**
 * URLs whose origin is opaque (`'null'`): a `data:` or `file:` URL, `about:blank`, a custom scheme
 * (`web+app://api.example.com/`, a non-special scheme, so no host origin), a `blob:` URL made in a
 * context without an origin. Core's origin policy refuses each of them for every `origins` (a RegExp
 * that matches anything included), so the wrapper needs no check of its own (decision 0900).
 */
const OPAQUE = [
  'data:text/plain,hello',
  'file:///etc/passwd',
  'about:blank',
  'web+app://api.example.com/orders',
  'blob:null/7b1e9f3c-0000-4000-8000-000000000000',
];

function recordingFetch() {
  const seen: Array<[string, string | null]> = [];
  const fetch = vi.fn<typeof globalThis.fetch>(async (input, init) => {
    seen.push([
      String(input instanceof Request ? input.url : input),
      new Headers(init?.headers).get('authorization'),
    ]);
    return new Response(null, {
      status: 401,
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    });
  });
  return { fetch, seen };
}

describe('withTokens: a URL with an opaque origin', () => {
  it.each([
    ['a RegExp that matches any origin', { origins: /^.*$/ }],
    ['the default policy of a baseUrl', { baseUrl: 'https://api.example.com/' }],
  ])('never gets a token and never refreshes, as a string or a URL (%s)', async (_name, options) => {
    const { tokens, fetchTokens } = await countingTokens();
    const { fetch, seen } = recordingFetch();
    const api = withTokens(fetch, tokens, options);
    for (const url of OPAQUE) {
      expect(new URL(url).origin).toBe('null');
      expect((await api(url)).status).toBe(401);
      expect((await api(new URL(url))).status).toBe(401);
    }
    expect(seen).toEqual(
      OPAQUE.flatMap((url) => [
        [url, null],
        [url, null],
      ]),
    );
    expect(fetchTokens).not.toHaveBeenCalled();
    tokens.dispose();
  });
});
