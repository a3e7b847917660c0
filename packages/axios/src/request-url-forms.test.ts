import type { TokenManager } from '@tessera/core';
import axios, { type AxiosAdapter, AxiosError, type AxiosInstance } from 'axios';
import axios17 from 'axios-1-7';
import axios112 from 'axios-1-12';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { fakeApi } from '../test/fake-api.js';
import { attachTokenManager } from './attach-token-manager.js';

// Issue 10 item 1: the origin check judges the URL axios really sends to, for every request form.
const baseURL = 'https://api.example.com';
const managers: TokenManager[] = [];

afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
  vi.unstubAllGlobals();
});

/** Where each call really went: the URL the instance's own `getUri` builds for the adapter's config. */
async function setup(create: (adapter: never) => AxiosInstance, respond?: Parameters<typeof fakeApi>[0]) {
  const api = fakeApi(respond);
  const { tokens, fetchTokens } = await countingTokens();
  managers.push(tokens);
  const instance = create(api.adapter as never);
  attachTokenManager(instance, tokens);
  const sent = () =>
    api.calls.map((call) => {
      const url = call.config.url as unknown;
      const full =
        url instanceof URL ? String(url) : instance.getUri({ ...call.config, params: undefined } as never);
      return [new URL(full, globalThis.document?.baseURI).origin, call.authorization ?? null];
    });
  return { instance, tokens, fetchTokens, sent, calls: api.calls };
}

const versions = [
  ['axios (newest)', (adapter: never) => axios.create({ baseURL, adapter })],
  ['axios 1.12.0', (adapter: never) => axios112.create({ baseURL, adapter }) as unknown as AxiosInstance],
] as const;
/** Below the peer range: still judged the way it really sends (a URL object is absolute, no allowAbsoluteUrls). */
const unsupported = (adapter: never) => axios17.create({ baseURL, adapter }) as unknown as AxiosInstance;

describe.each(versions)('request forms with %s', (_name, create) => {
  it('sends the token only where the request really goes: string, absolute, per-request baseURL, params', async () => {
    const { instance, sent } = await setup(create);
    await instance.get('/orders', { params: { next: 'https://evil.test/', at: '@evil.test' } });
    await instance.get('https://evil.test/orders');
    await instance.get('/orders', { baseURL: 'https://evil.test' });
    await instance.get('orders', { baseURL: 'https://api.example.com/v1/' });
    await instance.get('https://api.example.com/x', { baseURL: 'https://evil.test' });
    expect(sent()).toEqual([
      [baseURL, 'Bearer at-0'],
      ['https://evil.test', null],
      ['https://evil.test', null],
      [baseURL, 'Bearer at-0'],
      [baseURL, 'Bearer at-0'],
    ]);
  });

  it('judges allowAbsoluteUrls: false the way this axios version sends it', async () => {
    const { instance, sent } = await setup(create);
    await instance.get('https://evil.test/orders', { allowAbsoluteUrls: false } as never);
    const [[origin, authorization]] = sent() as [[string, string | null]];
    // axios ≥ 1.8 sends to baseURL + '/https://evil.test/orders': the token goes there, to the API.
    expect([origin, authorization]).toEqual([baseURL, 'Bearer at-0']);
  });

  it('sends no token to another baseURL when allowAbsoluteUrls is a falsy non-boolean (1.12 compares it with ==)', async () => {
    const { instance, sent } = await setup(create);
    for (const value of ['', 0, '0']) {
      await instance.get(`${baseURL}/x`, { baseURL: 'https://evil.test', allowAbsoluteUrls: value } as never);
    }
    // axios 1.12.0 combines (evil.test/https://api…), newer axios sends to the API: no token either way.
    expect(sent().every(([, authorization]) => authorization === null)).toBe(true);
    expect(sent()).toHaveLength(3);
  });

  it('sends no token for a url that is neither a string nor a URL', async () => {
    const { instance, calls } = await setup(create);
    for (const url of [42, { href: 'https://api.example.com/x' }]) {
      await instance.request({ url: url as never }).catch(() => undefined);
    }
    expect(calls.every((call) => call.authorization === undefined)).toBe(true);
  });
});

describe('a URL object as the request url', () => {
  it('in a page on the API origin, sends no token to another origin and never refreshes for its 401', async () => {
    vi.stubGlobal('document', { baseURI: 'https://api.example.com/app/' });
    const api = fakeApi((call) =>
      String(call.config.url).startsWith('https://elsewhere.example') ? { status: 401 } : { status: 200 },
    );
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    for (const instance of [
      axios.create({ adapter: api.adapter }),
      axios112.create({ adapter: api.adapter as never }) as unknown as AxiosInstance,
    ]) {
      attachTokenManager(instance, tokens);
      await expect(instance.get(new URL('https://elsewhere.example/x') as never)).rejects.toMatchObject({
        response: { status: 401 },
      });
      await instance.get(new URL('https://api.example.com/orders') as never);
    }
    expect(api.calls.map((call) => call.authorization ?? null)).toEqual([
      null,
      'Bearer at-0',
      null,
      'Bearer at-0',
    ]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('judges a URL subclass by String(url), what axios sends to, never by an href getter that says otherwise', async () => {
    const seen: Array<[string, string | null]> = [];
    const record: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      seen.push([request.url, request.headers.get('authorization')]);
      return new Response('{}', { status: 200 });
    };
    const { tokens } = await countingTokens();
    managers.push(tokens);
    // axios 1.12.0's fetch adapter sends a URL object to String(url) (the newest one refuses it).
    const config = { adapter: 'fetch', env: { fetch: record } };
    const instance = axios112.create(config as never) as unknown as AxiosInstance;
    attachTokenManager(instance, tokens, { origins: baseURL });
    class HrefSaysApi extends URL {
      override get href() {
        return `${baseURL}/x`;
      }
    }
    class StringSaysElsewhere extends URL {
      override toString() {
        return 'https://evil.test/x';
      }
    }
    await instance.get(new HrefSaysApi('https://evil.test/y') as never);
    await instance.get(new StringSaysElsewhere(`${baseURL}/y`) as never);
    await instance.get(new URL(`${baseURL}/z`) as never);
    expect(seen).toEqual([
      ['https://evil.test/y', null],
      ['https://evil.test/x', null],
      [`${baseURL}/z`, 'Bearer at-0'],
    ]);
  });
});

describe('axios 1.7.9 (unsupported, below the floor) is still judged the way it sends', () => {
  it('ignores allowAbsoluteUrls: false, so an absolute URL elsewhere gets no token', async () => {
    const { instance, sent } = await setup(unsupported);
    await instance.get('https://evil.test/orders', { allowAbsoluteUrls: false } as never);
    expect(sent()).toEqual([['https://evil.test', null]]);
  });

  it('treats a URL object as absolute over baseURL: a token only for the API', async () => {
    const { instance: old, calls: oldCalls } = await setup(unsupported);
    await old.get(new URL('https://evil.test/x') as never);
    await old.get(new URL('https://api.example.com/x') as never);
    expect(oldCalls.map((call) => call.authorization ?? null)).toEqual([null, 'Bearer at-0']);
  });
});

describe('a 401 from where the token did not go (XHR responseURL after a redirect)', () => {
  it('never invalidates the token and never refreshes', async () => {
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const invalidate = vi.spyOn(tokens, 'invalidate');
    const adapter: AxiosAdapter = async (config) => {
      const response = { data: null, status: 401, statusText: '', headers: {}, config, request: {} };
      // What the XHR adapter hands over: the XMLHttpRequest, whose responseURL is the final URL.
      const request = { responseURL: 'https://sub.api.example.com/landing' };
      throw new AxiosError('401', 'ERR_BAD_REQUEST', config, request, response);
    };
    const instance = axios.create({ baseURL, adapter });
    attachTokenManager(instance, tokens);
    await expect(instance.get('/moved')).rejects.toMatchObject({ response: { status: 401 } });
    expect(invalidate).not.toHaveBeenCalled();
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('never refreshes nor replays for a 401 from another allowed origin the browser redirected to (it stripped Authorization there)', async () => {
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const invalidate = vi.spyOn(tokens, 'invalidate');
    const sent: unknown[] = [];
    const adapter: AxiosAdapter = async (config) => {
      sent.push(config.headers.get('Authorization'));
      const response = { data: null, status: 401, statusText: '', headers: {}, config, request: {} };
      // The XHR followed a redirect to an origin the policy allows; the browser dropped Authorization.
      const request = { responseURL: 'https://files.example.com/landing' };
      throw new AxiosError('401', 'ERR_BAD_REQUEST', config, request, response);
    };
    const instance = axios.create({ baseURL, adapter });
    attachTokenManager(instance, tokens, { origins: [baseURL, 'https://files.example.com'] });

    await expect(instance.get('/moved')).rejects.toMatchObject({ response: { status: 401 } });
    expect(sent).toEqual(['Bearer at-0']);
    expect(invalidate).not.toHaveBeenCalled();
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('still refreshes and replays once for a 401 whose XHR redirect stayed on the API origin', async () => {
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const sent: unknown[] = [];
    const adapter: AxiosAdapter = async (config) => {
      sent.push(config.headers.get('Authorization'));
      const request = { responseURL: `${baseURL}/landing` };
      if (sent.length > 1) return { data: 'ok', status: 200, statusText: 'OK', headers: {}, config, request };
      const response = { data: null, status: 401, statusText: '', headers: {}, config, request };
      throw new AxiosError('401', 'ERR_BAD_REQUEST', config, request, response);
    };
    const instance = axios.create({ baseURL, adapter });
    attachTokenManager(instance, tokens, { origins: [baseURL, 'https://files.example.com'] });

    expect((await instance.get('/moved')).status).toBe(200);
    expect(sent).toEqual(['Bearer at-0', 'Bearer at-1']);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });
});
