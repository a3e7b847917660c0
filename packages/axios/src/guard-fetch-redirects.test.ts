import { createOriginPolicy } from '@tessera/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fetchOutcomeOf, guardFetchRedirects, type RedirectPolicy } from './guard-fetch-redirects.js';

type Env = { fetch: (input: unknown, init?: unknown) => Promise<unknown>; FormData?: unknown };

const api = 'https://api.test';
const policy = (): RedirectPolicy => ({
  allows: createOriginPolicy(api, () => undefined),
  credentials: ['authorization', 'dpop'],
});

/** A fetch that answers from `routes` (by URL) and records what each hop carried. */
function fakeFetch(routes: Record<string, () => Response>) {
  const seen: {
    url: string;
    method: string;
    authorization: string | null;
    dpop: string | null;
    body: string;
  }[] = [];
  const fetch = vi.fn(async (input: unknown) => {
    const request = input as Request;
    const body = request.body ? await request.text() : '';
    seen.push({
      url: request.url,
      method: request.method,
      authorization: request.headers.get('authorization'),
      dpop: request.headers.get('dpop'),
      body,
    });
    return routes[request.url]?.() ?? new Response('not found', { status: 404 });
  });
  return { fetch, seen };
}

const moved =
  (to: string, status = 302) =>
  () =>
    new Response(null, { status, headers: { Location: to } });

function wrapperOf(fetch: unknown, settings = policy()): Env['fetch'] {
  const config: { env?: unknown } = { env: { fetch } };
  guardFetchRedirects(config, settings);
  return (config.env as Env).fetch;
}

afterEach(() => vi.unstubAllGlobals());

describe('guardFetchRedirects: one wrapper per fetch and attachment', () => {
  it('wraps the global fetch with one wrapper for every request of an attachment (axios caches its adapter per env.fetch)', () => {
    const settings = policy();
    const first: { env?: unknown } = {};
    const second: { env?: unknown } = { env: { FormData: 'kept' } };
    guardFetchRedirects(first, settings);
    guardFetchRedirects(second, settings);
    expect((first.env as Env).fetch).toBe((second.env as Env).fetch);
    expect((second.env as Env).FormData).toBe('kept');
    const other: { env?: unknown } = {};
    guardFetchRedirects(other, policy());
    expect((other.env as Env).fetch).not.toBe((first.env as Env).fetch);
  });

  it('never wraps a wrapper again (replays), nor changes the env object the caller passed', () => {
    const settings = policy();
    const own = vi.fn(async () => new Response(null));
    const env = { fetch: own };
    const config: { env?: unknown } = { env };
    guardFetchRedirects(config, settings);
    const wrapper = (config.env as Env).fetch;
    guardFetchRedirects(config, settings);
    expect((config.env as Env).fetch).toBe(wrapper);
    expect(env.fetch).toBe(own);
    // Another attachment wraps the same underlying fetch, not the first wrapper.
    const again: { env?: unknown } = { env: { fetch: wrapper } };
    guardFetchRedirects(again, policy());
    expect(wrapperOf(own)).not.toBe(wrapper);
  });

  it('two attachments on one request: one wrapper for both, the same for every request and its replays', () => {
    const [first, second] = [policy(), policy()];
    const sent = () => {
      const config: { env?: unknown } = {};
      guardFetchRedirects(config, second); // the one attached last runs first
      guardFetchRedirects(config, first);
      const wrapper = (config.env as Env).fetch;
      guardFetchRedirects(config, second); // a replay of either: already in the wrapper
      guardFetchRedirects(config, first);
      expect((config.env as Env).fetch).toBe(wrapper);
      return wrapper;
    };
    const wrapper = sent();
    expect(sent()).toBe(wrapper);
    expect(wrapper).not.toBe(wrapperOf(undefined, first));
  });

  it('leaves an env.fetch that is not a function to axios', () => {
    const env = { fetch: 'nope' };
    const config: { env?: unknown } = { env };
    guardFetchRedirects(config, policy());
    expect(config.env).toBe(env);
  });
});

describe('guardFetchRedirects: sent as axios built it', () => {
  it('calls the underlying fetch with the same arguments for an input that is not a Request, and notes its url', async () => {
    const response = { url: 'https://other.test/x', status: 401 };
    const own = vi.fn(async () => response);
    const request = { url: `${api}/redirect` };
    const options = { redirect: 'follow' };
    await expect(wrapperOf(own)(request, options)).resolves.toBe(response);
    expect(own.mock.calls).toEqual([[request, options]]);
    expect(fetchOutcomeOf(request)).toEqual({ url: 'https://other.test/x', withheld: false, response });
    expect(fetchOutcomeOf({})).toBeUndefined();
    expect(fetchOutcomeOf(null)).toBeUndefined();
  });

  it.each([
    ['no credential header', {}, undefined],
    ['redirect: manual (maxRedirects: 0)', { authorization: 'Bearer at-0' }, { redirect: 'manual' }],
    ['a caller’s fetchOptions.redirect: error', { authorization: 'Bearer at-0' }, { redirect: 'error' }],
  ])('hands a Request with %s to fetch untouched', async (_name, headers, options) => {
    const response = new Response(null, { status: 302, headers: { Location: 'https://other.test/' } });
    const own = vi.fn(async () => response);
    const request = new Request(`${api}/x`, { headers });
    await expect(wrapperOf(own)(request, options)).resolves.toBe(response);
    expect(own.mock.calls).toEqual([[request, options]]);
  });

  it('returns what a custom fetch answered as it is when it is not a Response it can follow', async () => {
    const answer = { status: 302, headers: { location: 'https://other.test/' }, url: `${api}/x` };
    const own = vi.fn(async () => answer);
    const request = new Request(`${api}/x`, { headers: { Authorization: 'Bearer at-0' } });
    await expect(wrapperOf(own)(request)).resolves.toBe(answer);
    expect(own).toHaveBeenCalledTimes(1);
    expect(fetchOutcomeOf(request)).toEqual({ url: `${api}/x`, withheld: false, response: answer });
  });

  it('passes a rejection through untouched and notes nothing', async () => {
    const failure = new TypeError('fetch failed');
    const request = new Request(`${api}/x`, { headers: { Authorization: 'Bearer at-0' } });
    await expect(wrapperOf(async () => Promise.reject(failure))(request)).rejects.toBe(failure);
    expect(fetchOutcomeOf(request)).toBeUndefined();
  });

  it('in a browser, lets fetch follow (it strips Authorization itself) and notes the final URL', async () => {
    vi.stubGlobal('document', { baseURI: `${api}/` });
    const response = { url: 'https://other.test/x', status: 401 };
    const own = vi.fn(async () => response);
    const request = new Request(`${api}/x`, { headers: { Authorization: 'Bearer at-0' } });
    await expect(wrapperOf(own)(request)).resolves.toBe(response);
    expect(own.mock.calls).toEqual([[request, undefined]]);
    expect(fetchOutcomeOf(request)).toEqual({ url: 'https://other.test/x', withheld: false, response });
  });

  it('in a browser, never lets a token in another header follow a redirect (the browser forwards it): redirect "error", unless you set redirect', async () => {
    vi.stubGlobal('document', { baseURI: `${api}/` });
    const own = vi.fn(async (_input: unknown, _init?: unknown) => ({ url: `${api}/x`, status: 200 }));
    const custom: RedirectPolicy = { ...policy(), credentials: ['x-api-token', 'dpop'] };
    const token = { 'X-Api-Token': 'at-0' };
    await wrapperOf(own, custom)(new Request(`${api}/x`, { headers: token }), { cache: 'no-store' });
    await wrapperOf(own, custom)(new Request(`${api}/x`, { headers: token, redirect: 'follow' }), {
      redirect: 'follow',
    });
    await wrapperOf(own, custom)(new Request(`${api}/x`, { headers: token, redirect: 'manual' }));
    await wrapperOf(own, custom)(new Request(`${api}/x`)); // no token on it
    expect(own.mock.calls.map(([, init]) => init)).toEqual([
      { cache: 'no-store', redirect: 'error' },
      { redirect: 'follow' },
      undefined,
      undefined,
    ]);
  });
});

describe('guardFetchRedirects: follows redirects itself outside browsers', () => {
  it('deletes Authorization and DPoP at the first hop to an origin the policy does not allow, and marks the outcome withheld', async () => {
    const { fetch, seen } = fakeFetch({
      [`${api}/a`]: moved('/b'),
      [`${api}/b`]: moved('https://other.test/c', 307),
      'https://other.test/c': moved(`${api}/d`),
      [`${api}/d`]: () => new Response('no', { status: 401 }),
    });
    const request = new Request(`${api}/a`, { headers: { Authorization: 'DPoP at-0', DPoP: 'proof' } });
    const response = (await wrapperOf(fetch)(request)) as Response;
    expect(response.status).toBe(401);
    expect(seen.map((hop) => [hop.url, hop.authorization, hop.dpop])).toEqual([
      [`${api}/a`, 'DPoP at-0', 'proof'],
      [`${api}/b`, 'DPoP at-0', 'proof'],
      ['https://other.test/c', null, null],
      [`${api}/d`, null, null], // never put back
    ]);
    expect(fetchOutcomeOf(request)).toEqual({ url: `${api}/d`, withheld: true, response });
  });

  it('keeps the credentials on hops the policy allows: the outcome is not withheld', async () => {
    const { fetch, seen } = fakeFetch({
      [`${api}/a`]: moved(`${api}/a/`, 301),
      [`${api}/a/`]: () => new Response('no', { status: 401 }),
    });
    const request = new Request(`${api}/a`, { headers: { Authorization: 'Bearer at-0' } });
    const response = await wrapperOf(fetch)(request);
    expect(seen.map((hop) => hop.authorization)).toEqual(['Bearer at-0', 'Bearer at-0']);
    expect(fetchOutcomeOf(request)).toEqual({ url: `${api}/a/`, withheld: false, response });
  });

  it('sends the same bytes again on a 307, and a 303 as GET without the body', async () => {
    const { fetch, seen } = fakeFetch({
      [`${api}/a`]: moved(`${api}/b`, 307),
      [`${api}/b`]: moved(`${api}/c`, 303),
      [`${api}/c`]: () => new Response('ok'),
    });
    const request = new Request(`${api}/a`, {
      method: 'POST',
      body: '{"n":1}',
      headers: { Authorization: 'Bearer at-0', 'Content-Type': 'application/json' },
    });
    await wrapperOf(fetch)(request);
    expect(seen.map((hop) => [hop.method, hop.body])).toEqual([
      ['POST', '{"n":1}'],
      ['POST', '{"n":1}'],
      ['GET', ''],
    ]);
  });

  it('never sends a body larger than it keeps again: the 307 is returned as it is', async () => {
    const { fetch, seen } = fakeFetch({ [`${api}/a`]: moved('https://other.test/b', 307) });
    const big = new Uint8Array(10 * 1024 * 1024 + 1).fill(97);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(big);
        controller.close();
      },
    });
    const request = new Request(`${api}/a`, {
      method: 'PUT',
      body: stream,
      duplex: 'half',
      headers: { Authorization: 'Bearer at-0' },
    } as RequestInit);
    const response = (await wrapperOf(fetch)(request)) as Response;
    expect(response.status).toBe(307);
    expect(seen.map((hop) => [hop.url, hop.body.length])).toEqual([[`${api}/a`, big.length]]);
  });

  it('rejects with the reason of an abort while the body is still being kept, and sends no further hop', async () => {
    let sentFirst!: () => void;
    const firstSend = new Promise<void>((resolve) => {
      sentFirst = resolve;
    });
    const fetch = vi.fn(async () => {
      sentFirst();
      return new Response(null, { status: 307, headers: { Location: `${api}/b` } });
    });
    const controller = new AbortController();
    const request = new Request(`${api}/a`, {
      method: 'POST',
      body: new ReadableStream({ pull: () => new Promise(() => undefined) }), // never ends
      duplex: 'half',
      signal: controller.signal,
      headers: { Authorization: 'Bearer at-0' },
    } as RequestInit);
    const pending = wrapperOf(fetch)(request);
    await firstSend; // the 307 is in, the body is still being kept
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});
