import type { TokenManager } from '@tessera/core';
import { Request as UndiciRequest, fetch as undiciFetch } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { loopbackServer } from '../../e2e-support/test-support/loopback-server.js';
import { withTokens } from '../src/with-tokens.js';

// `fetch(url, request)`: the Fetch spec reads init as a dictionary, so a `Request` given as init
// lends its method, headers, body and signal to a request for `url`. The wrapped fetch must send
// what the plain fetch sends — plus the token, unless the Request carries an `Authorization` — for
// the global `Request` and for one of npm undici (read through its getters, as fetch reads it).
// Real servers on 127.0.0.1.
let api: Awaited<ReturnType<typeof loopbackServer>>;
const managers: TokenManager[] = [];

/** What the server received: method, path, Authorization, X-Trace, Content-Type and body. */
const seen = () =>
  api.seen.map((entry) => {
    const { headers } = entry as typeof entry & { headers: Record<string, string | undefined> };
    return [
      entry.method,
      entry.path,
      entry.authorization,
      headers['x-trace'],
      headers['content-type'],
      entry.body,
    ];
  });

beforeAll(async () => {
  api = await loopbackServer((entry, res, req) => {
    Object.assign(entry, { headers: req.headers });
    res.writeHead(entry.authorization === 'Bearer at-0' || entry.path === '/open' ? 200 : 401).end('ok');
  });
});
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
  api.seen.length = 0;
});
afterAll(() => api.close());

const kinds = {
  'the global Request': Request,
  'a Request of npm undici': UndiciRequest as unknown as typeof Request,
};
const inits: Record<string, [RequestInit, string | null]> = {
  'a GET with a header': [{ headers: { 'X-Trace': '1' } }, 'Bearer at-0'],
  'a POST with a body': [{ method: 'POST', body: 'order', headers: { 'X-Trace': '1' } }, 'Bearer at-0'],
  'a caller-set Authorization': [
    { method: 'PUT', body: 'x', headers: { Authorization: 'Bearer mine' } },
    'Bearer mine',
  ],
};

describe.each(Object.entries(kinds))('withTokens given %s as init', (_kind, Kind) => {
  it.each(Object.entries(inits))(
    'sends what fetch sends, with the token: %s',
    async (_name, [init, authorization]) => {
      const { tokens, fetchTokens } = await countingTokens();
      managers.push(tokens);
      const make = () => new Kind('https://elsewhere.test/ignored', init);
      await fetch(`${api.origin}/open`, make()); // the plain fetch: the Request lends all but its URL
      const plain = seen();
      api.seen.length = 0;
      const wrapped = withTokens(fetch, tokens, { baseUrl: api.origin });
      expect((await wrapped('/open', make())).status).toBe(200);
      expect(seen()).toEqual(plain.map((row) => row.with(2, authorization)));
      expect(plain[0]![2]).toBe(authorization === 'Bearer mine' ? 'Bearer mine' : null);
      expect(fetchTokens).not.toHaveBeenCalled();
    },
  );

  it('sends no token where the URL of input is on another origin, whatever the Request’s own URL', async () => {
    const { tokens } = await countingTokens();
    managers.push(tokens);
    const wrapped = withTokens(fetch, tokens, { origins: 'https://api.example.com' });
    await wrapped(
      `${api.origin}/open`,
      new Kind('https://api.example.com/', { headers: { 'X-Trace': '1' } }),
    );
    expect(seen()).toEqual([['GET', '/open', null, '1', undefined, '']]);
  });
});

describe('withTokens given a Request as init, on a 401', () => {
  it('the global Request: its body is sent again with the next token (it is the request, cloned before the first send)', async () => {
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    await tokens.setTokens({ access_token: 'at-x', token_type: 'Bearer', expires_in: 300 });
    const wrapped = withTokens(fetch, tokens, { baseUrl: api.origin });
    const response = await wrapped(
      '/a',
      new Request('https://elsewhere.test/', { method: 'POST', body: 'order' }),
    );
    expect(response.status).toBe(401); // the server takes only at-0; the replay's at-1 is refused too
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(api.seen.map((entry) => [entry.authorization, entry.body])).toEqual([
      ['Bearer at-x', 'order'],
      ['Bearer at-1', 'order'],
    ]);
  });

  it('npm undici’s Request: its body is a stream read through the getter, never replayed; the token is invalidated', async () => {
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    await tokens.setTokens({ access_token: 'at-x', token_type: 'Bearer', expires_in: 300 });
    const wrapped = withTokens(undiciFetch as unknown as typeof fetch, tokens, { baseUrl: api.origin });
    const init = new UndiciRequest('https://elsewhere.test/', { method: 'POST', body: 'order' });
    expect((await wrapped('/a', init as unknown as Request)).status).toBe(401);
    expect(api.seen.map((entry) => [entry.authorization, entry.body])).toEqual([['Bearer at-x', 'order']]);
    expect(fetchTokens).not.toHaveBeenCalled();
    expect(await tokens.getTokens()).toMatchObject({ accessToken: 'at-1' }); // at-x was invalidated
  });

  it('the global Request as init with npm undici’s fetch wrapped: rejects with a TypeError, nothing sent (README: give undici its own Request)', async () => {
    const { tokens, fetchTokens } = await countingTokens();
    managers.push(tokens);
    const wrapped = withTokens(undiciFetch as unknown as typeof fetch, tokens, { baseUrl: api.origin });
    await expect(wrapped('/open', new Request('https://elsewhere.test/'))).rejects.toThrow(TypeError);
    expect(api.seen).toEqual([]);
    expect(fetchTokens).not.toHaveBeenCalled();
  });
});
