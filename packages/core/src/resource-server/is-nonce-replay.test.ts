import { describe, expect, it, vi } from 'vitest';
import { createOriginPolicy } from '../origin-policy/create-origin-policy.js';
import { followRedirects } from '../redirects/follow-redirects.js';
import { isNonceReplay } from './is-nonce-replay.js';
import type { ResponseLike, SenderConstraint } from './sender-constraint.js';

const api = 'https://api.test';
const challenge = () => new Response(null, { status: 401 });

/** The two members `isNonceReplay` calls; every other one refuses to be called. */
function judge(answer: boolean) {
  const learned: ResponseLike[] = [];
  const judged: Readonly<Record<string, string>>[] = [];
  const constraint = {
    learn: (response: ResponseLike) => learned.push(response),
    isNonceChallenge: (_: ResponseLike, sent: Readonly<Record<string, string>>) => {
      judged.push(sent);
      return answer;
    },
  } as unknown as SenderConstraint;
  return { constraint, learned, judged };
}

describe('isNonceReplay (what createDPoP() gives as its isNonceReplay)', () => {
  it('learns every response, and judges a challenge only when asked to answer it', () => {
    const { constraint, learned, judged } = judge(true);
    const response = { url: `${api}/a`, status: 401, headers: new Headers() };
    expect(isNonceReplay(constraint, response, { DPoP: 'first' }, false)).toBe(false);
    expect(isNonceReplay(constraint, response, { DPoP: 'first' }, true)).toBe(true);
    expect(learned).toEqual([response, response]);
    expect(judged).toEqual([{ DPoP: 'first' }]);
  });

  it('judges the challenge at the end of followed hops against the last hop’s proof', async () => {
    const fetch = vi.fn(async () => challenge());
    const followed = await followRedirects(
      new Response(null, { status: 307, headers: { Location: '/b' } }),
      {
        url: `${api}/a`,
        init: { method: 'POST', headers: new Headers({ DPoP: 'first' }), redirect: 'manual' },
      },
      {
        fetch,
        allows: createOriginPolicy([api], () => undefined),
        credentials: ['authorization', 'dpop'],
        resend: true,
        rebind: (method, url, headers) => headers.set('DPoP', `proof for ${method} ${url}`),
      },
    );
    const { constraint, judged } = judge(false);
    const seen = { url: followed.url, status: followed.status, headers: followed.headers };
    isNonceReplay(constraint, seen, { DPoP: 'first' }, true, followed);
    // A response no hop led to: the first send's proof.
    isNonceReplay(constraint, seen, { DPoP: 'first' }, true, challenge());
    expect(judged).toEqual([{ DPoP: `proof for POST ${api}/b` }, { DPoP: 'first' }]);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('reads a response without url where an XHR was redirected to (axios: request.responseURL), else the URL given', () => {
    const { constraint, learned } = judge(false);
    const headers = new Headers();
    const redirected = { status: 200, headers, request: { responseURL: 'https://other.test/landing' } };
    isNonceReplay(constraint, redirected, { DPoP: 'first' }, true, undefined, `${api}/a`);
    const plain = { status: 200, headers, request: {} }; // the http adapter's: no responseURL
    isNonceReplay(constraint, plain, { DPoP: 'first' }, true, undefined, `${api}/a`);
    expect(learned.map((seen) => seen.url)).toEqual(['https://other.test/landing', `${api}/a`]);
  });
});
