import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOriginPolicy } from '../origin-policy/create-origin-policy.js';
import { followRedirects, type RedirectHop } from './follow-redirects.js';
import { isBrowserLike } from './is-browser-like.js';
import { isRedirect } from './is-redirect.js';
import { proofSentFor } from './proof-sent-for.js';
import { isWithheld } from './withheld.js';

const api = 'https://api.test';
const allows = createOriginPolicy([api, 'https://second.test'], () => undefined);
const credentials = ['authorization', 'dpop'];

const moved = (to: string, status = 302) => new Response(null, { status, headers: { Location: to } });

/** A fetch answering from `routes` (by URL; 404 otherwise) that records what each hop carried. */
function fakeFetch(routes: Record<string, () => Response>) {
  const seen: {
    url: string;
    method: string;
    authorization: string | null;
    dpop: string | null;
    body: unknown;
  }[] = [];
  const fetch = vi.fn(async (url: string, init: RequestInit) => {
    const headers = new Headers(init.headers);
    seen.push({
      url,
      method: init.method ?? 'GET',
      authorization: headers.get('authorization'),
      dpop: headers.get('dpop'),
      body: init.body ?? null,
    });
    return routes[url]?.() ?? new Response('missing', { status: 404 });
  });
  return { fetch, seen };
}

function hop(init: Partial<RequestInit> = {}, url = `${api}/start`): RedirectHop {
  return {
    url,
    init: {
      ...init,
      headers: new Headers({ Authorization: 'DPoP at-0', DPoP: 'proof', 'Content-Type': 'application/json' }),
      redirect: 'manual',
    },
  };
}

afterEach(() => vi.unstubAllGlobals());

describe('followRedirects', () => {
  it('re-binds every hop that keeps the credentials (its method and URL), and none after they were deleted', async () => {
    const { fetch, seen } = fakeFetch({
      [`${api}/a`]: () => moved('https://second.test/b', 303),
      'https://second.test/b': () => moved('https://elsewhere.test/c'),
      'https://elsewhere.test/c': () => new Response('ok'),
    });
    const rebind = vi.fn(async (method: string, url: string, headers: Headers, _from: Response) => {
      headers.set('DPoP', `proof for ${method} ${url}`);
    });
    await followRedirects(moved('/a', 307), hop({ method: 'POST', body: '{}' }), {
      fetch,
      allows,
      credentials,
      resend: true,
      rebind,
    });
    // Each with the redirect that leads to the hop (a constraint learns its nonce first).
    expect(rebind.mock.calls.map(([method, url, , from]) => [method, url, from.status])).toEqual([
      ['POST', `${api}/a`, 307],
      ['GET', 'https://second.test/b', 303],
    ]);
    expect(seen.map((sent) => [sent.url, sent.dpop])).toEqual([
      [`${api}/a`, `proof for POST ${api}/a`],
      ['https://second.test/b', 'proof for GET https://second.test/b'],
      ['https://elsewhere.test/c', null],
    ]);
  });

  it('tells which proof went with the response it ends at (proofSentFor): the last hop’s, not the first send’s', async () => {
    const { fetch } = fakeFetch({
      [`${api}/a`]: () => moved('https://second.test/b', 307),
      'https://second.test/b': () => new Response('challenge', { status: 401 }),
    });
    const rebind = async (method: string, url: string, headers: Headers) => {
      headers.set('DPoP', `proof for ${method} ${url}`);
    };
    const first = { DPoP: 'proof' };
    const response = await followRedirects(moved('/a', 307), hop({ method: 'POST', body: '{}' }), {
      fetch,
      allows,
      credentials,
      resend: true,
      rebind,
    });
    expect(proofSentFor(response, first)).toEqual({ DPoP: 'proof for POST https://second.test/b' });
    // A response no hop led to: the first send's proof.
    expect(proofSentFor(new Response('direct'), first)).toBe(first);
    // Where the credentials were withheld, no proof went.
    const { fetch: away } = fakeFetch({
      'https://elsewhere.test/c': () => new Response('no', { status: 401 }),
    });
    const withheld = await followRedirects(moved('https://elsewhere.test/c'), hop(), {
      fetch: away,
      allows,
      credentials,
      resend: true,
      rebind,
    });
    expect(proofSentFor(withheld, first)).toEqual({});
    // Without a rebind (no sender constraint) nothing is recorded for the hops.
    const { fetch: plain } = fakeFetch({ [`${api}/d`]: () => new Response('no', { status: 401 }) });
    const unbound = await followRedirects(moved('/d'), hop(), {
      fetch: plain,
      allows,
      credentials,
      resend: true,
    });
    expect(proofSentFor(unbound, first)).toBe(first);
  });

  it('deletes the credentials at the first disallowed hop, never puts them back, and marks the end withheld', async () => {
    const { fetch, seen } = fakeFetch({
      [`${api}/a`]: () => moved('https://second.test/b', 307),
      'https://second.test/b': () => moved('https://elsewhere.test/c'),
      'https://elsewhere.test/c': () => moved(`${api}/d`),
      [`${api}/d`]: () => new Response('no', { status: 401 }),
    });
    const response = await followRedirects(moved('/a'), hop(), { fetch, allows, credentials, resend: true });
    expect(response.status).toBe(401);
    expect(response.url).toBe(`${api}/d`);
    expect(response.redirected).toBe(true);
    expect(isWithheld(response)).toBe(true);
    expect(seen.map((entry) => [entry.url, entry.authorization, entry.dpop])).toEqual([
      [`${api}/a`, 'DPoP at-0', 'proof'],
      ['https://second.test/b', 'DPoP at-0', 'proof'],
      ['https://elsewhere.test/c', null, null],
      [`${api}/d`, null, null],
    ]);
  });

  it('never carries Cookie or Proxy-Authorization to another origin, even an allowed one; keeps them on the same origin', async () => {
    const cookies: Array<[string, string | null, string | null]> = [];
    const fetch = vi.fn(async (url: string, init: RequestInit) => {
      const headers = new Headers(init.headers);
      cookies.push([url, headers.get('cookie'), headers.get('proxy-authorization')]);
      if (url === `${api}/a`) return moved('https://second.test/b');
      if (url === 'https://second.test/b') return moved('https://second.test/c');
      return new Response('ok');
    });
    const start = hop();
    start.init.headers.set('Cookie', 'session=s3cret');
    start.init.headers.set('Proxy-Authorization', 'Basic cHJveHk=');
    await followRedirects(moved('/a'), start, { fetch, allows, credentials, resend: true });
    expect(cookies).toEqual([
      [`${api}/a`, 'session=s3cret', 'Basic cHJveHk='],
      ['https://second.test/b', null, null],
      ['https://second.test/c', null, null],
    ]);
  });

  it('never carries a caller’s Authorization to another origin when the token travels in another header; keeps it on the same origin', async () => {
    const seen: Array<[string, string | null, string | null]> = [];
    const fetch = vi.fn(async (url: string, init: RequestInit) => {
      const headers = new Headers(init.headers);
      seen.push([url, headers.get('authorization'), headers.get('x-token')]);
      return url === `${api}/a` ? moved('https://second.test/b') : new Response('ok');
    });
    const start: RedirectHop = {
      url: `${api}/start`,
      init: {
        headers: new Headers({ Authorization: 'Basic bWluZQ==', 'X-Token': 'at-0' }),
        redirect: 'manual',
      },
    };
    await followRedirects(moved('/a'), start, {
      fetch,
      allows,
      credentials: ['x-token', 'dpop'],
      resend: true,
    });
    // X-Token is the policy's (second.test is allowed); Authorization leaves at the origin change, as undici's does.
    expect(seen).toEqual([
      [`${api}/a`, 'Basic bWluZQ==', 'at-0'],
      ['https://second.test/b', null, 'at-0'],
    ]);
  });

  it('keeps the credentials on allowed hops: the end is not withheld', async () => {
    const { fetch } = fakeFetch({ [`${api}/a/`]: () => new Response('ok') });
    const response = await followRedirects(moved('/a/', 301), hop(), {
      fetch,
      allows,
      credentials,
      resend: true,
    });
    expect(isWithheld(response)).toBe(false);
  });

  it('turns a 303, and a POST’s 301/302, into a GET without body or body headers; a 307 keeps both', async () => {
    for (const [status, method] of [
      [303, 'PUT'],
      [302, 'POST'],
      [301, 'POST'],
    ] as const) {
      const { fetch, seen } = fakeFetch({ [`${api}/b`]: () => new Response('ok') });
      await followRedirects(moved('/b', status), hop({ method, body: '{}' }), {
        fetch,
        allows,
        credentials,
        resend: false,
      });
      expect(seen.map((entry) => [entry.method, entry.body])).toEqual([['GET', null]]);
      expect(new Headers(fetch.mock.calls[0]?.[1].headers).has('content-type')).toBe(false);
    }
    const { fetch, seen } = fakeFetch({ [`${api}/b`]: () => new Response('ok') });
    await followRedirects(moved('/b', 307), hop({ method: 'POST', body: '{}' }), {
      fetch,
      allows,
      credentials,
      resend: true,
    });
    expect(seen.map((entry) => [entry.method, entry.body])).toEqual([['POST', '{}']]);
  });

  it('returns a 307/308 with a body it cannot send again as it is', async () => {
    const { fetch } = fakeFetch({});
    const redirect = moved('/b', 308);
    const response = await followRedirects(redirect, hop({ method: 'PUT', body: '{}' }), {
      fetch,
      allows,
      credentials,
      resend: false,
    });
    expect(response).toBe(redirect);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('rejects as fetch does at a Location that is not an http(s) URL, sending nothing there', async () => {
    for (const location of [
      'data:text/plain,hi',
      'javascript:alert(1)',
      'ftp://api.test/x',
      'file:///etc/passwd',
      'http://[bad',
    ]) {
      const { fetch } = fakeFetch({});
      const redirect = new Response('moved', { status: 302, headers: { Location: location } });
      const error = await followRedirects(redirect, hop(), { fetch, allows, credentials, resend: true }).then(
        () => expect.fail(`resolved for ${location}`),
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(TypeError);
      expect(String(error)).toBe('TypeError: fetch failed: redirect to a non-http(s) URL');
      expect(fetch).not.toHaveBeenCalled();
    }
  });

  it('rejects at a Location it cannot reach after hops it followed, with no token or proof in the error', async () => {
    const { fetch, seen } = fakeFetch({ [`${api}/a`]: () => moved('data:text/plain,at-0') });
    const error = await followRedirects(moved('/a'), hop(), {
      fetch,
      allows,
      credentials,
      resend: true,
    }).then(
      () => expect.fail('resolved'),
      (reason: unknown) => reason as TypeError,
    );
    expect(error.message).toBe('fetch failed: redirect to a non-http(s) URL');
    expect(seen.map((entry) => entry.url)).toEqual([`${api}/a`]);
    expect(JSON.stringify({ ...error, message: error.message, stack: error.stack })).not.toMatch(
      /at-0|proof/,
    );
  });

  it('follows a redirect whose body cannot be cancelled (a fetch that clones responses, msw): never hangs', async () => {
    const stuck = () =>
      new Response(new ReadableStream({ cancel: () => new Promise<void>(() => {}) }), {
        status: 302,
        headers: { Location: `${api}/b` },
      });
    const { fetch, seen } = fakeFetch({ [`${api}/b`]: () => new Response('ok') });
    const response = await followRedirects(stuck(), hop(), { fetch, allows, credentials, resend: true });
    expect(await response.text()).toBe('ok');
    expect(seen.map((entry) => [entry.url, entry.authorization])).toEqual([[`${api}/b`, 'DPoP at-0']]);
  });

  it('follows 20 redirects and rejects at the 21st with “redirect count exceeded”, as fetch does', async () => {
    let left = 20;
    const { fetch: twenty } = fakeFetch({
      [`${api}/next`]: () => (--left > 0 ? moved('/next') : new Response('done')),
    });
    // The first redirect, then 19 more: 20 followed, the end is the answer.
    const response = await followRedirects(moved('/next'), hop(), {
      fetch: twenty,
      allows,
      credentials,
      resend: true,
    });
    expect(await response.text()).toBe('done');
    expect(twenty).toHaveBeenCalledTimes(20);

    const { fetch } = fakeFetch({ [`${api}/loop`]: () => moved('/loop') });
    await expect(
      followRedirects(moved('/loop'), hop(), { fetch, allows, credentials, resend: true }),
    ).rejects.toThrow(new TypeError('fetch failed: redirect count exceeded'));
    expect(fetch).toHaveBeenCalledTimes(20);
    // An empty Location names the same URL again: a loop, as fetch sees it.
    const { fetch: empty } = fakeFetch({ [`${api}/start`]: () => moved('') });
    await expect(
      followRedirects(moved(''), hop(), { fetch: empty, allows, credentials, resend: true }),
    ).rejects.toThrow('redirect count exceeded');
  });

  it('answers with a 3xx that has no Location, as fetch does (nothing to follow)', async () => {
    const { fetch } = fakeFetch({ [`${api}/a`]: () => new Response('no location', { status: 302 }) });
    const response = await followRedirects(moved('/a'), hop(), { fetch, allows, credentials, resend: true });
    expect([response.status, response.url, response.redirected]).toEqual([302, `${api}/a`, true]);
  });
});

describe('isRedirect', () => {
  it('is true for 301, 302, 303, 307 and 308 with a Location, false for 304, 300 and a 3xx without one', () => {
    for (const status of [301, 302, 303, 307, 308]) expect(isRedirect(moved('/x', status))).toBe(true);
    expect(isRedirect(new Response(null, { status: 302 }))).toBe(false);
    expect(isRedirect(moved('/x', 304))).toBe(false);
    expect(isRedirect(moved('/x', 300))).toBe(false);
  });
});

describe('isBrowserLike', () => {
  it('is true with a document or importScripts, false in Node', () => {
    expect(isBrowserLike()).toBe(false);
    vi.stubGlobal('importScripts', () => undefined);
    expect(isBrowserLike()).toBe(true);
    vi.unstubAllGlobals();
    vi.stubGlobal('document', {});
    expect(isBrowserLike()).toBe(true);
  });
});
