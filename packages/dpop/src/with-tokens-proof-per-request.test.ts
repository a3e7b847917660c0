// A proof per request under load: 500 concurrent API calls through `withTokens` with a TokenManager
// whose `senderConstraint` is DPoP (its token request goes through `dpop.fetch`), against an msw API
// that records every proof and starts asking for a nonce halfway through the burst.
import { clientCredentialsGrant, TokenManager } from '@tessera/core';
import { withTokens } from '@tessera/fetch';
import { failUnhandledRequest } from '@tessera/testing';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { athOf, type ReadProof, readProof } from '../test/read-proof.js';
import { createDPoP } from './create-dpop.js';

const AS = 'https://as.example';
const API = 'https://api.example';
const CALLERS = 500;

interface Seen {
  method: string;
  url: string;
  authorization: string | null;
  proof: ReadProof;
  status: number;
}

let tokenRequests: ReadProof[] = [];
let seen: Seen[] = [];
/** Set when all first sends of the burst have arrived: until then the API answers none. */
let allArrived: () => void = () => {};
let arrived = new Promise<void>((resolve) => {
  allArrived = resolve;
});

const server = setupServer(
  http.post(`${AS}/token`, async ({ request }) => {
    tokenRequests.push(await readProof(request.headers.get('dpop')));
    return HttpResponse.json({ access_token: 'at-1', token_type: 'DPoP', expires_in: 300 });
  }),
  http.get(`${API}/*`, async ({ request }) => {
    const entry: Seen = {
      method: request.method,
      url: request.url,
      authorization: request.headers.get('authorization'),
      proof: await readProof(request.headers.get('dpop')),
      status: 200,
    };
    const index = seen.push(entry) - 1;
    if (seen.length === CALLERS) allArrived();
    await arrived;
    // From the middle of the burst on, the API wants its nonce.
    if (index >= CALLERS / 2 && entry.proof.claims.nonce !== 'n-1') {
      entry.status = 401;
      return new HttpResponse(null, {
        status: 401,
        headers: { 'WWW-Authenticate': 'DPoP error="use_dpop_nonce"', 'DPoP-Nonce': 'n-1' },
      });
    }
    return HttpResponse.json({ ok: true });
  }),
);
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  tokenRequests = [];
  seen = [];
  arrived = new Promise<void>((resolve) => {
    allArrived = resolve;
  });
});
afterAll(() => server.close());

describe('withTokens + createDPoP: a proof per request for hundreds of concurrent callers', () => {
  it('gives 500 concurrent calls 1 token request and each send its own proof (jti, ath of the token sent, htu without query or fragment); a nonce challenge halfway costs each challenged call exactly one replay, no refresh', async () => {
    const dpop = createDPoP();
    const tokens = new TokenManager({
      senderConstraint: dpop,
      fetchTokens: clientCredentialsGrant({
        tokenUrl: `${AS}/token`,
        clientId: 'svc',
        clientSecret: 's3cret',
      }),
    });
    const send = withTokens((input, init) => globalThis.fetch(input, init), tokens, { baseUrl: `${API}/` });

    const responses = await Promise.all(
      Array.from({ length: CALLERS }, (_, i) => send(`orders/${i}?page=${i}#line-${i}`)),
    );
    tokens.dispose();

    expect(responses.map((response) => response.status)).toEqual(Array(CALLERS).fill(200));
    // One token request, with its own proof (no ath), and none after the challenges.
    expect(tokenRequests.map((proof) => [proof.claims.htu, proof.claims.ath])).toEqual([
      [`${AS}/token`, undefined],
    ]);
    // The second half was challenged; each challenged call replayed once, with the nonce.
    expect(seen).toHaveLength(CALLERS + CALLERS / 2);
    const ath = await athOf('at-1');
    const byPath = new Map<string, Seen[]>();
    for (const entry of seen) {
      const url = new URL(entry.url);
      expect(entry.authorization).toBe('DPoP at-1');
      expect(entry.proof.claims.ath).toBe(ath);
      expect(entry.proof.claims.htm).toBe('GET');
      expect(entry.proof.claims.htu).toBe(`${url.origin}${url.pathname}`);
      expect(url.search).toBe(`?page=${url.pathname.slice('/orders/'.length)}`);
      byPath.set(url.pathname, [...(byPath.get(url.pathname) ?? []), entry]);
    }
    expect(byPath.size).toBe(CALLERS);
    const shapes = [...byPath.values()].map((sends) =>
      sends.map((entry) => `${entry.status} ${entry.proof.claims.nonce ?? '-'}`).join(', '),
    );
    expect(shapes.filter((shape) => shape === '200 -')).toHaveLength(CALLERS / 2);
    expect(shapes.filter((shape) => shape === '401 -, 200 n-1')).toHaveLength(CALLERS / 2);
    expect(new Set(seen.map((entry) => entry.proof.claims.jti)).size).toBe(seen.length);
  }, 60_000);
});
