import { describe, expect, it } from 'vitest';
import { createDPoP } from './create-dpop.js';
import type { FetchLike } from './dpop-fetch.js';

/** A fetch that records the proof header of each request it is given and answers 200. */
function recordingFetch() {
  const proofs: (string | null)[] = [];
  const fetch: FetchLike = async (_input, init) => {
    proofs.push(new Headers(init?.headers).get('dpop'));
    return new Response('{}', { status: 200 });
  };
  return { fetch, proofs };
}

describe('dpop.wrapFetch (what a TokenManager with senderConstraint: dpop does to its grants’ fetch)', () => {
  it('gives dpop.fetch for no fetch and for dpop.fetch itself: never two proofs on one request', () => {
    const dpop = createDPoP();
    expect(dpop.wrapFetch(undefined)).toBe(dpop.fetch);
    expect(dpop.wrapFetch(dpop.fetch)).toBe(dpop.fetch);
  });

  it('sends through the given fetch with a fresh proof, one wrapper per fetch', async () => {
    const dpop = createDPoP();
    const own = recordingFetch();
    const wrapped = dpop.wrapFetch(own.fetch as never);

    expect(dpop.wrapFetch(own.fetch as never)).toBe(wrapped);
    expect(dpop.wrapFetch(wrapped)).toBe(wrapped);
    await wrapped('https://auth.example.com/token', {
      method: 'POST',
      headers: {},
      redirect: 'manual',
      signal: new AbortController().signal,
    });
    await wrapped('https://auth.example.com/token', {
      method: 'POST',
      headers: {},
      redirect: 'manual',
      signal: new AbortController().signal,
    });

    expect(own.proofs).toHaveLength(2);
    expect(own.proofs.every((proof) => proof?.split('.').length === 3)).toBe(true);
    expect(own.proofs[0]).not.toBe(own.proofs[1]);
  });
});
