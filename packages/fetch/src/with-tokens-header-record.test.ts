import type { TokenSet } from '@tessera/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { withTokens } from './with-tokens.js';

const API = 'https://api.example.com';
const managers: Array<{ dispose(): void }> = [];
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
});

async function tokensAt0() {
  const counted = await countingTokens();
  managers.push(counted.tokens);
  return counted;
}

/**
 * A fetch that reads its arguments as a real fetch does (`new Request(input, init)`: its own
 * `Headers` from whatever `init.headers` is), records what it was handed and the headers that
 * arrived, and answers 401 unless the request carried `Bearer <valid()>`.
 */
function requestFetch(valid = () => 'at-0') {
  const handed: Array<HeadersInit | undefined> = [];
  const arrived: Array<Array<[string, string]>> = [];
  const fetch = vi.fn<typeof globalThis.fetch>(async (input, init) => {
    handed.push(init?.headers);
    const request = new Request(input, init);
    arrived.push([...request.headers]);
    return request.headers.get('authorization') === `Bearer ${valid()}`
      ? new Response('{}')
      : new Response(null, { status: 401 });
  });
  return { fetch, handed, arrived };
}

const isPlainRecord = (headers: unknown): boolean =>
  typeof headers === 'object' && headers !== null && Object.getPrototypeOf(headers) === Object.prototype;

describe('withTokens: the fresh path hands fetch a header record, not a Headers (decision 0019)', () => {
  it('without init.headers: fetch gets a record and the request carries the token', async () => {
    const { tokens } = await tokensAt0();
    const { fetch, handed, arrived } = requestFetch();
    const api = withTokens(fetch, tokens, { baseUrl: `${API}/` });
    expect((await api('orders')).status).toBe(200);
    expect(isPlainRecord(handed[0])).toBe(true);
    expect(arrived).toEqual([[['authorization', 'Bearer at-0']]]);
  });

  it('with a record: every caller entry arrives beside the token, and neither the init nor its record is changed', async () => {
    const { tokens } = await tokensAt0();
    const { fetch, handed, arrived } = requestFetch();
    const api = withTokens(fetch, tokens, { baseUrl: `${API}/`, header: 'X-Api-Token' });
    const headers = { Accept: 'application/json', 'x-trace': 'abc' };
    const init = { method: 'POST', body: 'x', headers };
    const before = structuredClone(init);
    await api('orders', init);
    expect(isPlainRecord(handed[0])).toBe(true);
    expect(handed[0]).not.toBe(headers);
    expect(arrived[0]).toEqual([
      ['accept', 'application/json'],
      ['content-type', 'text/plain;charset=UTF-8'],
      ['x-api-token', 'Bearer at-0'],
      ['x-trace', 'abc'],
    ]);
    expect(init).toEqual(before);
    expect(init.headers).toBe(headers);
    expect(Object.keys(headers)).toEqual(['Accept', 'x-trace']);
  });

  it('a Headers, a list of pairs or a record with its own iterator still go as a Headers with the same entries', async () => {
    const { tokens } = await tokensAt0();
    const { fetch, handed, arrived } = requestFetch();
    const api = withTokens(fetch, tokens, { baseUrl: `${API}/` });
    const iterable = {
      *[Symbol.iterator]() {
        yield ['x-from', 'iterator'] as [string, string];
      },
    };
    await api('orders', { headers: new Headers({ 'x-from': 'headers' }) });
    await api('orders', { headers: [['x-from', 'pairs']] });
    await api('orders', { headers: iterable as unknown as HeadersInit });
    expect(handed.map((headers) => headers instanceof Headers)).toEqual([true, true, true]);
    expect(arrived).toEqual(
      ['headers', 'pairs', 'iterator'].map((from) => [
        ['authorization', 'Bearer at-0'],
        ['x-from', from],
      ]),
    );
  });

  it('a key for the token header set to undefined or null is replaced by the token, as Headers.set did (never "undefined, Bearer …")', async () => {
    const { tokens } = await tokensAt0();
    const { fetch, arrived } = requestFetch();
    const api = withTokens(fetch, tokens, { baseUrl: `${API}/` });
    const headers = { authorization: undefined, AUTHORIZATION: null, accept: 'text/plain' };
    expect((await api('orders', { headers: headers as never })).status).toBe(200);
    expect(arrived[0]).toEqual([
      ['accept', 'text/plain'],
      ['authorization', 'Bearer at-0'],
    ]);
    expect(Object.keys(headers)).toEqual(['authorization', 'AUTHORIZATION', 'accept']); // the caller's, unchanged
  });

  it('inherited and symbol keys go as fetch takes them from the caller’s own record: inherited ones not at all, a symbol is a TypeError', async () => {
    const { tokens } = await tokensAt0();
    const { fetch, arrived } = requestFetch();
    const api = withTokens(fetch, tokens, { baseUrl: `${API}/` });
    const inherited = Object.assign(Object.create({ 'x-inherited': 'no' }) as object, { 'x-own': 'yes' });
    // Object.create gives another prototype: the caller's record is read as fetch reads it.
    await api('orders', { headers: inherited as HeadersInit });
    const symbolKeyed = { 'x-own': 'yes', [Symbol('s')]: 'v' } as unknown as HeadersInit;
    let own: unknown;
    try {
      new Request(`${API}/orders`, { headers: symbolKeyed });
    } catch (error) {
      own = error;
    }
    const wrapped = await api('orders', { headers: symbolKeyed }).catch((error: unknown) => error);
    expect(own).toBeInstanceOf(TypeError);
    expect(wrapped).toBeInstanceOf(TypeError);
    expect(arrived).toEqual([
      [
        ['authorization', 'Bearer at-0'],
        ['x-own', 'yes'],
      ],
    ]);
    // A plain record with an inherited-looking key: only its own keys are copied.
    const plain = { 'x-own': 'yes' };
    Object.defineProperty(Object.getPrototypeOf(plain), 'x-polluted', {
      value: 'no',
      enumerable: true,
      configurable: true,
    });
    try {
      await api('orders', { headers: plain });
    } finally {
      Reflect.deleteProperty(Object.prototype, 'x-polluted');
    }
    expect(arrived[1]).toEqual([
      ['authorization', 'Bearer at-0'],
      ['x-own', 'yes'],
    ]);
  });

  it('a 401 after a record send is replayed once with the new token, never the old one, with the caller’s entries', async () => {
    const { tokens, fetchTokens } = await tokensAt0();
    const { fetch, arrived } = requestFetch(() => 'at-1');
    const api = withTokens(fetch, tokens, { baseUrl: `${API}/` });
    expect((await api('orders', { headers: { 'x-trace': 'abc' } })).status).toBe(200);
    expect(arrived).toEqual([
      [
        ['authorization', 'Bearer at-0'],
        ['x-trace', 'abc'],
      ],
      [
        ['authorization', 'Bearer at-1'],
        ['x-trace', 'abc'],
      ],
    ]);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });

  it('a redirect after a record send is followed with the token to an allowed origin and without it elsewhere', async () => {
    const { tokens } = await tokensAt0();
    const sent: Array<[string, string | null, string | null]> = [];
    const fetch = vi.fn<typeof globalThis.fetch>(async (input, init) => {
      const request = new Request(input, init);
      sent.push([request.url, request.headers.get('authorization'), request.headers.get('x-trace')]);
      const next = { [`${API}/a`]: `${API}/b`, [`${API}/b`]: 'https://elsewhere.example/c' }[request.url];
      return next
        ? new Response(null, { status: 302, headers: { location: next } })
        : new Response('{}', { status: 200 });
    });
    const api = withTokens(fetch, tokens, { baseUrl: `${API}/` });
    expect((await api('a', { headers: { 'x-trace': 'abc' } })).status).toBe(200);
    expect(sent).toEqual([
      [`${API}/a`, 'Bearer at-0', 'abc'],
      [`${API}/b`, 'Bearer at-0', 'abc'],
      ['https://elsewhere.example/c', null, 'abc'],
    ]);
  });

  it('a header option named __proto__ carries the token on the first send, as a Headers sends it: no 401, no refresh', async () => {
    // `record['__proto__'] = value` would set the copy's prototype, not a key: no token sent.
    const { tokens, fetchTokens } = await tokensAt0();
    const arrived: Array<string | null> = [];
    const fetch = vi.fn<typeof globalThis.fetch>(async (input, init) => {
      const token = new Request(input, init).headers.get('__proto__');
      arrived.push(token);
      return token ? new Response('{}') : new Response(null, { status: 401 });
    });
    const api = withTokens(fetch, tokens, { baseUrl: `${API}/`, header: '__proto__' });
    expect((await api('orders')).status).toBe(200);
    expect((await api('orders', { headers: { accept: 'text/plain' } })).status).toBe(200);
    expect(arrived).toEqual(['Bearer at-0', 'Bearer at-0']);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('a non-ASCII key that lower-cases to the token header (a Kelvin sign) is not taken for it: fetch refuses the name, as a Headers would', async () => {
    const { tokens } = await tokensAt0();
    const { fetch, arrived } = requestFetch();
    fetch.mockImplementation(async (input, init) => {
      arrived.push([...new Request(input, init).headers]); // throws as fetch does
      return new Response('{}');
    });
    const api = withTokens(fetch, tokens, { baseUrl: `${API}/`, header: 'X-Api-Key', scheme: '' });
    const headers = { 'X-Api-\u212Aey': undefined, accept: 'text/plain' };
    const error = await api('orders', { headers: headers as never }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect(() => new Headers(headers as never)).toThrow(TypeError); // what the other paths do with it
    expect(String(error)).not.toContain('at-0');
    expect(arrived).toHaveLength(0);
  });

  it('a scheme no header may carry is refused when withTokens is made, and the error quotes neither the scheme nor the token', async () => {
    const { tokens } = await tokensAt0();
    const fetch = vi.fn<typeof globalThis.fetch>(async () => new Response('{}'));
    let error: unknown;
    try {
      withTokens(fetch, tokens, { baseUrl: `${API}/`, scheme: 'Be\narer' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TypeError);
    expect(`${String(error)} ${(error as Error).stack}`).not.toMatch(/at-0|Be\narer/);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('a token no header may carry, from a manager mock, is refused before any send, unquoted', async () => {
    const { tokens } = await tokensAt0();
    const fetch = vi.fn<typeof globalThis.fetch>(async () => new Response('{}'));
    const api = withTokens(fetch, tokens, { baseUrl: `${API}/`, shouldRefresh: () => false });
    await api('orders');
    // The manager's own sets are frozen and checked (decision 0007): a mock hands out this one.
    const set = { ...(tokens.peekTokens() as TokenSet), accessToken: 'abc\nsecret-part' };
    vi.spyOn(tokens, 'freshTokens').mockReturnValue(set);
    vi.spyOn(tokens, 'getTokens').mockResolvedValue(set);
    const error = await api('orders').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect(`${String(error)} ${(error as Error).stack}`).not.toContain('secret-part');
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});
