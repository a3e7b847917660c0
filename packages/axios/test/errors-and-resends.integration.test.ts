import { inspect } from 'node:util';
import type { TokenManager } from '@tessera/core';
import axios, { type AxiosError, type AxiosInstance, type CreateAxiosDefaults } from 'axios';
import axios112 from 'axios-1-12';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { deferred } from '../../e2e-support/test-support/deferred.js';
import { loopbackServer } from '../../e2e-support/test-support/loopback-server.js';
import type { LoopbackOrigin } from '../../e2e-support/test-support/redirecting-api.js';
import { attachTokenManager } from '../src/attach-token-manager.js';

// What reaches the caller when a request ends without a response, when the attachment is removed
// mid-request, and when a config is sent again: never the token, and never our marker on the wire.
// Real servers on 127.0.0.1; axios 1.12.0 (the oldest supported) and the newest.
let api: LoopbackOrigin;
/** Each answer `/held` gives waits for this (the test releases it). */
let held = deferred();
/** Requests to `/hang` are never answered; closed at the end. */
const hanging: Array<() => void> = [];
const managers: TokenManager[] = [];

beforeAll(async () => {
  api = await loopbackServer(async (seen, res) => {
    const path = seen.path.split('?')[0];
    if (path === '/hang') {
      hanging.push(() => res.destroy());
      return;
    }
    if (path === '/echo' || path === '/echo.txt') {
      // An API that quotes the header it refused, in its body and in a header.
      const quoted = `refused: ${seen.authorization}`;
      res
        .writeHead(401, {
          'Content-Type': path === '/echo' ? 'application/json' : 'text/plain',
          'X-Refused': quoted,
        })
        .end(path === '/echo' ? JSON.stringify({ error: 'invalid_token', detail: [{ quoted }] }) : quoted);
      return;
    }
    if (path === '/echo-encoded') {
      // One that quotes it as a key and Base64-encoded (base64url), read as JSON or as bytes.
      const quoted = seen.authorization ?? '';
      const body = { [quoted]: 'refused', b64: Buffer.from(quoted).toString('base64url') };
      res.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    if (path === '/loop') {
      res.writeHead(302, { Location: '/loop' }).end();
      return;
    }
    if (path === '/held' && seen.authorization === 'Bearer at-0') await held.promise;
    if (path === '/flaky' && api.seen.filter((entry) => entry.path === '/flaky').length === 1) {
      res.writeHead(503).end();
    } else if (
      path === '/held'
        ? seen.authorization !== 'Bearer at-1' || seen.path.includes('deny')
        : !seen.authorization?.startsWith('Bearer at-')
    ) {
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer error="invalid_token"' }).end();
    } else {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ body: seen.body }));
    }
  });
});
afterAll(async () => {
  for (const close of hanging.splice(0)) close();
  await api.close();
});
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
  for (const close of hanging.splice(0)) close();
  api.seen.length = 0;
  held = deferred();
});

const versions = [
  ['axios 1.12.0', axios112.create.bind(axios112) as unknown as typeof axios.create],
  ['newest axios', axios.create.bind(axios)],
] as const;

/** Whether `error` shows `secret` anywhere a log would: JSON, inspect, its config and request. */
function shows(error: unknown, secret: string): boolean {
  return JSON.stringify(error).includes(secret) || inspect(error, { depth: 6 }).includes(secret);
}

describe.each(versions)('%s', (_name, create) => {
  async function setup(extra: CreateAxiosDefaults = {}) {
    const counted = await countingTokens();
    managers.push(counted.tokens);
    const client: AxiosInstance = create({ baseURL: api.origin, ...extra });
    const detach = attachTokenManager(client, counted.tokens);
    return { client, detach, ...counted };
  }
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => expect.fail('resolved'),
      (error: AxiosError) => error,
    );

  it.each(['http', 'fetch'] as const)(
    'an error without a response (a timeout, %s adapter) never shows the token',
    async (adapter) => {
      const { client } = await setup({ adapter, timeout: 100 });
      const error = await failure(client.get('/hang'));
      expect(error.response).toBeUndefined();
      expect(error.code).toBe(adapter === 'http' ? 'ECONNABORTED' : 'ETIMEDOUT');
      expect(shows(error, 'at-0')).toBe(false);
    },
  );

  // A `scheme` option (or a set from a manager mock: the manager refuses such a token) no header
  // can carry: axios 1.12 hands the value to its fetch adapter (whose TypeError quoting it, token and
  // all, becomes the AxiosError's message) or to Node (ERR_INVALID_CHAR); newer axios strips the
  // characters and sends another value than the one asked for.
  it.each([
    ['http', 'Bearer\r\nX-Injected: 1'],
    ['fetch', 'Bearer\r\nX-Injected: 1'],
    ['http', 'Bearer\u20ac'],
    ['fetch', 'Bearer\u20ac'],
  ] as const)(
    'a scheme no header can carry (%s adapter, %j) is refused when attached, before any send (decision 0900)',
    async (adapter, scheme) => {
      const counted = await countingTokens();
      managers.push(counted.tokens);
      const client = create({ baseURL: api.origin, adapter });
      expect(() => attachTokenManager(client, counted.tokens, { scheme })).toThrow(
        new TypeError(`attachTokenManager(): scheme must be '' or an auth scheme such as "Bearer"`),
      );
      await failure(client.get('/x')); // nothing attached: sent without a token (the API's 401)
      // Its own path only: an earlier test's timed-out `/hang` may reach a loaded server after that test ended.
      expect(api.seen.filter((seen) => seen.path === '/x').map((seen) => seen.authorization)).toEqual([null]);
      expect(counted.fetchTokens).not.toHaveBeenCalled();
    },
  );

  it('a token no header can carry, from a manager mock, is refused before any send, quoted nowhere', async () => {
    const { client, tokens, fetchTokens } = await setup({ adapter: 'fetch' });
    // The manager's own sets are frozen and checked (decision 0007): a mock hands out this one.
    const set = { ...(await tokens.getTokens()), accessToken: 'at-0\r\nX-Injected: 1' };
    vi.spyOn(tokens, 'freshTokens').mockReturnValue(set);
    vi.spyOn(tokens, 'getTokens').mockResolvedValue(set);
    const error = await failure(client.get('/x'));
    expect(error).toBeInstanceOf(TypeError);
    expect(api.seen).toHaveLength(0);
    expect(shows(error, 'at-0')).toBe(false);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it.each(['http', 'fetch'] as const)(
    'an API that echoes the token in its 401 body (JSON, text) and a header never shows it in the error (%s adapter)',
    async (adapter) => {
      for (const path of ['/echo', '/echo.txt']) {
        const { client, fetchTokens } = await setup({ adapter });
        api.seen.length = 0;
        const error = await failure(client.get(path));
        expect(error.response?.status).toBe(401);
        expect(shows(error, 'at-0') || shows(error, 'at-1')).toBe(false);
        expect(JSON.stringify(error.response?.data)).toContain('refused: [REDACTED by @tessera/axios]');
        // The first send and its one replay; the replay's 401 stands.
        expect(api.seen.map((entry) => entry.authorization)).toEqual(['Bearer at-0', 'Bearer at-1']);
        expect(fetchTokens).toHaveBeenCalledTimes(1);
      }
    },
  );

  it.each([
    ['http', 'json'],
    ['http', 'arraybuffer'],
    ['fetch', 'json'],
    ['fetch', 'arraybuffer'],
  ] as const)(
    'an API that echoes the token as a JSON key and Base64-encoded never shows it in the error (%s adapter, %s)',
    async (adapter, responseType) => {
      const { client, fetchTokens } = await setup({ adapter, responseType });
      const error = await failure(client.get('/echo-encoded'));
      expect(error.response?.status).toBe(401);
      const { data } = error.response ?? {};
      if (responseType === 'arraybuffer') {
        // Node's Buffer from the http adapter, an ArrayBuffer from the fetch adapter: as axios gives them.
        expect(adapter === 'http' ? Buffer.isBuffer(data) : data instanceof ArrayBuffer).toBe(true);
      }
      const text =
        responseType === 'json' ? JSON.stringify(data) : Buffer.from(data as ArrayBuffer).toString('latin1');
      expect(JSON.parse(text)).toEqual({
        '[REDACTED by @tessera/axios]': 'refused',
        b64: '[REDACTED by @tessera/axios]',
      });
      for (const secret of ['Bearer at-0', 'Bearer at-1']) {
        for (const form of [secret, Buffer.from(secret).toString('base64url')]) {
          expect([shows(error, form), text.includes(form)]).toEqual([false, false]);
        }
      }
      expect(api.seen.map((entry) => entry.authorization)).toEqual(['Bearer at-0', 'Bearer at-1']);
      expect(fetchTokens).toHaveBeenCalledTimes(1);
    },
  );

  it('a refused connection (no server) never shows the token', async () => {
    const counted = await countingTokens();
    managers.push(counted.tokens);
    const closed = await loopbackServer(() => undefined);
    await closed.close();
    const client = create({ baseURL: closed.origin });
    attachTokenManager(client, counted.tokens);
    const error = await failure(client.get('/x'));
    expect(error.code).toBe('ECONNREFUSED');
    expect(shows(error, 'at-0')).toBe(false);
  });

  it('too many redirects (the http adapter’s own follow-redirects) never shows the token', async () => {
    const { client } = await setup({ maxRedirects: 3 });
    const error = await failure(client.get('/loop'));
    expect(error.code).toBe('ERR_FR_TOO_MANY_REDIRECTS');
    expect(shows(error, 'at-0')).toBe(false);
  });

  it('detached while a request waits for its answer: the replay’s 401 never shows the new token', async () => {
    const { client, detach, fetchTokens } = await setup();
    const pending = failure(client.get('/held?deny'));
    await expect.poll(() => api.seen.length).toBe(1);
    detach();
    held.resolve();
    const error = await pending;
    expect(error.response?.status).toBe(401);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(shows(error, 'at-1')).toBe(false);
    expect(shows(error, 'at-0')).toBe(false);
  });

  it('error.config sent again carries the current token, never the redaction marker', async () => {
    const { client, fetchTokens } = await setup();
    const error = await failure(client.get('/flaky'));
    expect(error.response?.status).toBe(503);
    expect(shows(error, 'at-0')).toBe(false);
    const again = await client.request(error.config ?? {});
    expect(again.status).toBe(200);
    expect(api.seen.map((seen) => seen.authorization)).toEqual(['Bearer at-0', 'Bearer at-0']);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('a replay after a 401 sends the same bytes, even with a transformRequest that is not idempotent', async () => {
    const { client, fetchTokens } = await setup();
    held.resolve(); // /held refuses at-0 at once
    const response = await client.post(
      '/held',
      { item: 1 },
      {
        transformRequest: [(data) => JSON.stringify({ envelope: data })],
        headers: { 'Content-Type': 'application/json' },
      },
    );
    expect(response.status).toBe(200);
    expect(api.seen.map((seen) => [seen.authorization, seen.body])).toEqual([
      ['Bearer at-0', '{"envelope":{"item":1}}'],
      ['Bearer at-1', '{"envelope":{"item":1}}'],
    ]);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });
});
