import { describe, expect, it, vi } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { withTokens } from './with-tokens.js';

const API = 'https://api.example.com';

/** One call as the wrapped fetch got it: where it went, its token and body, and the init beside it. */
interface Call {
  url: string;
  authorization: string | null;
  body: string;
  init: RequestInit | undefined;
}

/**
 * A fetch that records every init it is given: `/a` redirects (307) to `/b`; `/b` answers 200 for
 * `at-1` and 401 for any other token; another origin answers 200.
 */
function recordingFetch() {
  const calls: Call[] = [];
  const fetch = vi.fn<typeof globalThis.fetch>(async (input, init) => {
    const request = new Request(input, init);
    const authorization = request.headers.get('authorization');
    calls.push({ url: request.url, authorization, body: await request.text(), init });
    if (request.url === `${API}/a`) return new Response(null, { status: 307, headers: { Location: '/b' } });
    if (request.url.startsWith(API) && authorization !== 'Bearer at-1')
      return new Response(null, { status: 401 });
    return new Response('{}', { status: 200 });
  });
  return { fetch, calls };
}

describe('withTokens: a Request input with an init beside it', () => {
  it('hands every init key a Request does not keep (next, cf, dispatcher) to each send, hop and replay', async () => {
    const { tokens, fetchTokens } = await countingTokens();
    const { fetch, calls } = recordingFetch();
    const api = withTokens(fetch, tokens, { baseUrl: `${API}/` });
    const next = { revalidate: 60 };
    const cf = { cacheTtl: 5 };
    const dispatcher = { dispatch: () => true };
    const init = { next, cf, dispatcher } as RequestInit;
    const response = await api(new Request(`${API}/a`, { method: 'POST', body: 'order' }), init);
    expect(response.status).toBe(200);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(calls.map(({ url, authorization, body }) => [url, authorization, body])).toEqual([
      [`${API}/a`, 'Bearer at-0', 'order'],
      [`${API}/b`, 'Bearer at-0', 'order'], // the 307 hop
      [`${API}/a`, 'Bearer at-1', 'order'], // the replay after the 401
      [`${API}/b`, 'Bearer at-1', 'order'],
    ]);
    for (const call of calls) {
      expect(call.init).toMatchObject({ next, cf, dispatcher });
      expect((call.init as { next: unknown }).next).toBe(next);
    }
  });

  it('hands them on where no token goes: another origin, a caller-set Authorization', async () => {
    const { tokens } = await countingTokens();
    const { fetch, calls } = recordingFetch();
    const api = withTokens(fetch, tokens, { baseUrl: `${API}/` });
    const init = { next: { tags: ['x'] }, cf: { cacheTtl: 5 } } as RequestInit;
    await api(new Request('https://other.example/'), init);
    await api(new Request(`${API}/b`, { headers: { Authorization: 'Bearer at-1' } }), init);
    expect(calls.map((call) => [call.url, call.authorization, call.init])).toEqual([
      ['https://other.example/', null, init],
      [`${API}/b`, 'Bearer at-1', init],
    ]);
  });

  it('never hands on what the Request already keeps: its headers, method, body and redirect stay the sent ones', async () => {
    const { tokens } = await countingTokens();
    const { fetch, calls } = recordingFetch();
    const api = withTokens(fetch, tokens, { baseUrl: `${API}/` });
    await tokens.setTokens({ access_token: 'at-1', token_type: 'Bearer', expires_in: 300 });
    const init = {
      headers: { 'X-Trace': '1' },
      method: 'PUT',
      body: 'x',
      redirect: 'follow',
      next: {},
    } as RequestInit;
    expect((await api(new Request(`${API}/b`), init)).status).toBe(200);
    expect(Object.keys(calls[0]!.init ?? {})).toEqual(['next']);
    expect(calls[0]!.body).toBe('x');
  });
});

describe('withTokens: a Request body at a 307 hop', () => {
  it('reads the body for its hops once, from the copy taken before the first send: no further clone holds a second copy', async () => {
    const { tokens, fetchTokens } = await countingTokens();
    const { fetch, calls } = recordingFetch();
    const api = withTokens(fetch, tokens, { baseUrl: `${API}/` });
    const request = new Request(`${API}/a`, { method: 'POST', body: 'order' });
    const clone = vi.spyOn(Request.prototype, 'clone');
    try {
      expect((await api(request)).status).toBe(200);
      // The template taken before the first send; each clone of it would queue the whole body again.
      expect(clone).toHaveBeenCalledTimes(1);
    } finally {
      clone.mockRestore();
    }
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(calls.map(({ url, authorization, body }) => [url, authorization, body])).toEqual([
      [`${API}/a`, 'Bearer at-0', 'order'],
      [`${API}/b`, 'Bearer at-0', 'order'], // the 307 hop
      [`${API}/a`, 'Bearer at-1', 'order'], // the replay after the 401, and its hop
      [`${API}/b`, 'Bearer at-1', 'order'],
    ]);
  });
});
