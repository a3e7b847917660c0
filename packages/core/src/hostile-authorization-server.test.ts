import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { delay, HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
// Relative import: @tessera/testing depends on @tessera/core, so core cannot list it as a dependency.
import { failUnhandledRequest } from '../../testing/src/fail-unhandled-request.js';
import { discover } from './discovery/discover.js';
import { DiscoveryError } from './errors/discovery-error.js';
import { HttpError } from './errors/http-error.js';
import { MalformedResponseError } from './errors/malformed-response-error.js';
import { OAuthError } from './errors/oauth-error.js';
import { RateLimitError } from './errors/rate-limit-error.js';
import { TimeoutError } from './errors/timeout-error.js';
import type { FetchLike } from './fetch-like.js';
import { clientCredentialsGrant } from './grants/client-credentials-grant.js';
import { refreshTokenGrant } from './grants/refresh-token-grant.js';
import { revokeToken } from './revoke-token.js';
import { requestToken } from './token-endpoint.js';
import { TokenManager } from './token-manager.js';
import { isTransient } from './transient.js';

/**
 * Answers a careless or hostile authorization server gives: each must reach the caller as a typed
 * error (or a sane token set), in the number of requests stated, without a secret in it, a hang or a
 * timer left behind.
 */

const ISSUER = 'https://as.example.test';
const TOKEN_URL = `${ISSUER}/oauth/token`;
const REVOCATION_URL = `${ISSUER}/oauth/revoke`;
const ELSEWHERE = 'https://elsewhere.example.test/steal';
const SECRET = 'h0stile-cl1ent-s3cret';
const MiB = 1 << 20;

const msw = setupServer();
beforeAll(() => msw.listen({ onUnhandledRequest: failUnhandledRequest }));
afterAll(() => msw.close());
const managers: TokenManager[] = [];
afterEach(() => {
  for (const manager of managers.splice(0)) manager.dispose();
  msw.resetHandlers();
  vi.useRealTimers();
});

/** Counts requests to `TOKEN_URL` and answers each with `answer()`. */
function tokenEndpoint(answer: () => Response | Promise<Response>) {
  const seen = { requests: 0 };
  msw.use(
    http.post(TOKEN_URL, () => {
      seen.requests += 1;
      return answer();
    }),
  );
  return seen;
}

function serviceClient(options: { timeout?: number; fetch?: FetchLike } = {}): TokenManager {
  const manager = new TokenManager({
    fetchTokens: clientCredentialsGrant({
      tokenUrl: TOKEN_URL,
      clientId: 'svc',
      clientSecret: SECRET,
      fetch: options.fetch,
    }),
    retry: { minTimeout: 0, randomize: false },
    ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
  });
  managers.push(manager);
  return manager;
}

/** Asserts `error`'s message, JSON and stack hold none of `secrets`, as is, URL-encoded or in base64(url). */
function expectNoSecrets(error: unknown, ...secrets: string[]): void {
  const shown = `${String(error)} ${JSON.stringify(error)} ${(error as Error).stack}`;
  for (const secret of [SECRET, `svc:${SECRET}`, ...secrets]) {
    for (const encoded of [
      secret,
      encodeURIComponent(secret),
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('base64url'),
    ]) {
      expect(shown).not.toContain(encoded);
    }
  }
}

const json = (body: string, init?: ResponseInit) =>
  new HttpResponse(body, { ...init, headers: { 'Content-Type': 'application/json', ...init?.headers } });

describe('token endpoint: expires_in a careless server sends', () => {
  it.each([
    ['"3600abc"', '"3600abc"'],
    ['a negative number', '-60'],
    ['a negative string', '"-60"'],
    ['"NaN"', '"NaN"'],
    ['a fraction as a string', '"3600.5"'],
  ])('refuses %s: MalformedResponseError invalid_field, one request, nothing stored', async (_, value) => {
    const seen = tokenEndpoint(() => json(`{"access_token":"at-hostile","expires_in":${value}}`));
    const tokens = serviceClient();
    const error = await tokens.getAccessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error).toMatchObject({ reason: 'invalid_field' });
    expect(seen.requests).toBe(1);
    expect(tokens.peekTokens()).toBeUndefined();
    expectNoSecrets(error, 'at-hostile');
  });

  it.each([
    ['1e308', '1e308', undefined],
    ['an integer past 2^53', '123456789012345678901234567890', undefined],
    ['2^53 + 1 as a string', '"9007199254740993"', 9_007_199_254_740_992_000],
  ])('reads %s as a finite expiry or none, never Infinity or NaN', async (_, value, lifetime) => {
    vi.useFakeTimers({ now: 0 });
    tokenEndpoint(() => json(`{"access_token":"at-long","expires_in":${value}}`));
    const tokens = serviceClient();
    expect(await tokens.getAccessToken()).toBe('at-long');
    const expiresAt = tokens.peekTokens()?.expiresAt;
    if (lifetime === undefined) expect(expiresAt === undefined || Number.isFinite(expiresAt)).toBe(true);
    else expect(expiresAt).toBe(lifetime);
    expect(JSON.parse(JSON.stringify(tokens.peekTokens())).expiresAt).toBe(expiresAt);
  });
});

describe('token endpoint: token_type and access_token a careless server sends', () => {
  it.each([
    ['BEARER', 'Bearer'],
    ['bEaReR', 'Bearer'],
    [undefined, 'Bearer'],
  ])('reads token_type %j as %s', async (type, expected) => {
    tokenEndpoint(() => HttpResponse.json({ access_token: 'at', token_type: type, expires_in: 60 }));
    const tokens = serviceClient();
    await tokens.getAccessToken();
    expect(tokens.peekTokens()?.tokenType).toBe(expected);
  });

  it.each([['mac'], ['Bearer '], [''], [42]])(
    'refuses token_type %j with MalformedResponseError invalid_field, one request',
    async (type) => {
      const seen = tokenEndpoint(() => HttpResponse.json({ access_token: 'at-typed', token_type: type }));
      const tokens = serviceClient();
      const error = await tokens.getAccessToken().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'MALFORMED_RESPONSE', reason: 'invalid_field' });
      expect(seen.requests).toBe(1);
      expectNoSecrets(error, 'at-typed');
    },
  );

  it.each([
    ['empty', ''],
    ['a number', 42],
    ['an object', { value: 'at-in-object' }],
    ['an array', ['at-in-array']],
    ['null', null],
  ])('refuses an access_token that is %s: missing_access_token, one request', async (_, value) => {
    const seen = tokenEndpoint(() => HttpResponse.json({ access_token: value, refresh_token: 'rt-x' }));
    const error = await serviceClient()
      .getAccessToken()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error).toMatchObject({ reason: 'missing_access_token', status: 200 });
    expect(seen.requests).toBe(1);
    expectNoSecrets(error, 'at-in-object', 'at-in-array', 'rt-x');
  });

  it('refuses a 50 MB access_token at 1 MiB, reading no more than that, in one request', async () => {
    let pulled = 0;
    const seen = tokenEndpoint(() => {
      const chunk = new Uint8Array(64 * 1024).fill(0x61);
      const body = new ReadableStream<Uint8Array>(
        {
          pull(controller) {
            if (pulled === 0) controller.enqueue(new TextEncoder().encode('{"access_token":"'));
            if (pulled >= 50 * MiB) return controller.close();
            pulled += chunk.length;
            controller.enqueue(chunk.slice());
          },
        },
        { highWaterMark: 0 },
      );
      return new HttpResponse(body, { headers: { 'Content-Type': 'application/json' } });
    });
    const error = await serviceClient()
      .getAccessToken()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MALFORMED_RESPONSE', reason: 'too_large' });
    expect(seen.requests).toBe(1);
    expect(pulled).toBeLessThan(2 * MiB);
    expect((error as Error).message.length).toBeLessThan(300);
    expectNoSecrets(error, 'a'.repeat(64));
  });
});

describe('token endpoint: JSON a hostile server crafts', () => {
  it('takes nothing from __proto__ or constructor keys, and pollutes no prototype', async () => {
    tokenEndpoint(() =>
      json(
        '{"access_token":"at","__proto__":{"refresh_token":"rt-planted","token_type":"DPoP","expires_in":1},' +
          '"constructor":{"prototype":{"polluted":"yes"}},"expires_in":60}',
      ),
    );
    vi.useFakeTimers({ now: 0 });
    const tokens = serviceClient();
    expect(await tokens.getAccessToken()).toBe('at');
    expect(tokens.peekTokens()).toMatchObject({
      tokenType: 'Bearer',
      expiresAt: 60_000,
      refreshToken: undefined,
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).refresh_token).toBeUndefined();
  });

  it('reads duplicate keys as JSON.parse does: the last one wins, once', async () => {
    const seen = tokenEndpoint(() =>
      json('{"access_token":"at-first","access_token":"at-last","expires_in":60}'),
    );
    expect(await serviceClient().getAccessToken()).toBe('at-last');
    expect(seen.requests).toBe(1);
  });

  it.each([
    ['text/html', { 'Content-Type': 'text/html; charset=utf-8' }],
    ['text/plain', { 'Content-Type': 'text/plain' }],
    ['no', {}],
  ])(
    'takes a JSON token response sent with %s Content-Type, as the body decides (decision 0805): one request',
    async (_, headers: Record<string, string>) => {
      const seen = tokenEndpoint(
        () => new HttpResponse('{"access_token":"at-html","expires_in":60}', { headers }),
      );
      const tokens = serviceClient();
      expect(await tokens.getAccessToken()).toBe('at-html');
      expect(seen.requests).toBe(1);
    },
  );

  it('joins a scope array a refresh answer carries and keeps the rotated refresh token: one request', async () => {
    const sent: (string | null)[] = [];
    msw.use(
      http.post(TOKEN_URL, async ({ request }) => {
        sent.push(new URLSearchParams(await request.text()).get('refresh_token'));
        return json(
          '{"access_token":"at-1","refresh_token":"rt-1","scope":["read","write"],"expires_in":60}',
        );
      }),
    );
    const tokens = new TokenManager({
      fetchTokens: refreshTokenGrant({ tokenUrl: TOKEN_URL, clientId: 'spa' }),
      retry: false,
    });
    managers.push(tokens);
    await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt-0', expires_in: 0 });
    expect(await tokens.getAccessToken()).toBe('at-1');
    expect(tokens.peekTokens()).toMatchObject({ scope: 'read write', refreshToken: 'rt-1' });
    expect(sent).toEqual(['rt-0']);
  });

  it('refuses token_type "bearer " (a trailing space) on a refresh: MalformedResponseError invalid_field, rotated refresh token kept, no secret shown', async () => {
    const sent: (string | null)[] = [];
    msw.use(
      http.post(TOKEN_URL, async ({ request }) => {
        sent.push(new URLSearchParams(await request.text()).get('refresh_token'));
        return json(
          `{"access_token":"at-${sent.length}","refresh_token":"rt-${sent.length}","token_type":"${sent.length === 1 ? 'bearer ' : 'bearer'}"}`,
        );
      }),
    );
    const tokens = new TokenManager({
      fetchTokens: refreshTokenGrant({ tokenUrl: TOKEN_URL, clientId: 'spa' }),
      retry: false,
    });
    managers.push(tokens);
    await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt-0', expires_in: 0 });
    const error = await tokens.getAccessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error).toMatchObject({ reason: 'invalid_field' });
    expectNoSecrets(error, 'at-0', 'at-1', 'rt-0', 'rt-1');
    expect(await tokens.getAccessToken()).toBe('at-2');
    expect(sent).toEqual(['rt-0', 'rt-1']);
  });

  it('reads JSON after a UTF-8 byte order mark, as the platform decoder does', async () => {
    tokenEndpoint(() => json('\u{feff}{"access_token":"at-bom"}'));
    expect(await serviceClient().getAccessToken()).toBe('at-bom');
  });

  it.each([
    ['an HTML page sent as text/html with 200', 'not_json', '<html><body>Sign in</body></html>'],
    ['an empty 200', 'not_json', ''],
    ['a JSON array', 'not_an_object', '["at-in-array"]'],
    ['a JSON string', 'not_an_object', '"at-as-string"'],
  ])('refuses %s as MalformedResponseError %s, one request', async (_, reason, body) => {
    const seen = tokenEndpoint(() => new HttpResponse(body, { headers: { 'Content-Type': 'text/html' } }));
    const error = await serviceClient()
      .getAccessToken()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MALFORMED_RESPONSE', reason, status: 200 });
    expect(seen.requests).toBe(1);
    expectNoSecrets(error, 'at-in-array', 'at-as-string');
  });
});

describe('token endpoint: a server that is slow, refuses or redirects', () => {
  it('times out a 200 that comes after 30 s, and reads nothing from it', async () => {
    vi.useFakeTimers();
    const seen = tokenEndpoint(async () => {
      await delay(30_000);
      return HttpResponse.json({ access_token: 'at-late' });
    });
    const pending = requestToken({
      tokenUrl: TOKEN_URL,
      grantType: 'client_credentials',
      clientId: 'svc',
      clientSecret: SECRET,
      timeout: 10_000,
    }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10_000);
    const error = await pending;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toBe(`Token request timed out after 10000 ms — POST ${TOKEN_URL}`);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(seen.requests).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it.each([
    ['a negative delay', undefined, '-5'],
    ['a delay with a unit', undefined, '30s'],
    ['an HTTP-date in the past', 0, 'Sun, 06 Nov 1994 08:49:37 GMT'],
    ['an HTTP-date that is not one', undefined, 'Someday'],
  ])('reads a 429 with Retry-After %s as RateLimitError, retryAfter %j', async (_, retryAfter, header) => {
    tokenEndpoint(() => new HttpResponse(null, { status: 429, headers: { 'Retry-After': header } }));
    const error = await requestToken({ tokenUrl: TOKEN_URL, grantType: 'client_credentials' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfter).toBe(retryAfter);
    expect(isTransient(error)).toBe(true);
  });

  it('waits maxRetryAfter, not 68 years, for a 429 whose Retry-After is huge: 4 requests in 3 min, no timer left', async () => {
    vi.useFakeTimers();
    const seen = tokenEndpoint(
      () => new HttpResponse(null, { status: 429, headers: { 'Retry-After': '999999999999' } }),
    );
    const tokens = serviceClient();
    const pending = tokens.getAccessToken().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(seen.requests).toBe(1);
    await vi.advanceTimersByTimeAsync(2 * 60_000 + 1);
    const error = await pending;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(seen.requests).toBe(4);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reports a 401 with WWW-Authenticate and no body as a final HttpError 401, one request', async () => {
    const seen = tokenEndpoint(
      () => new HttpResponse(null, { status: 401, headers: { 'WWW-Authenticate': 'Basic realm="as"' } }),
    );
    const error = await serviceClient()
      .getAccessToken()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 401 });
    expect(isTransient(error)).toBe(false);
    expect(seen.requests).toBe(1);
    expectNoSecrets(error);
  });

  it('does not follow a 302 to another origin: HttpError 302, nothing sent there', async () => {
    let stolen = 0;
    msw.use(
      http.all(ELSEWHERE, () => {
        stolen += 1;
        return HttpResponse.json({ access_token: 'at-elsewhere' });
      }),
    );
    const seen = tokenEndpoint(
      () => new HttpResponse(null, { status: 302, headers: { Location: ELSEWHERE } }),
    );
    const error = await serviceClient()
      .getAccessToken()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 302 });
    expect(seen.requests).toBe(1);
    expect(stolen).toBe(0);
  });
});

/** A real server on 127.0.0.1 answering every request with `write`; counts requests. */
async function loopback(write: (response: ServerResponse) => void) {
  const seen = { requests: 0 };
  const server = createServer((request, response) => {
    seen.requests += 1;
    request.resume();
    write(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('token endpoint: bodies that lie about themselves (real loopback server, platform fetch)', () => {
  beforeAll(() => msw.close());
  afterAll(() => msw.listen({ onUnhandledRequest: failUnhandledRequest }));

  it('refuses a 200 that says Content-Encoding: gzip on a plain body as MalformedResponseError incomplete, one request, never retried', async () => {
    const server = await loopback((response) => {
      response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
      response.end('{"access_token":"at-lie","expires_in":60}');
    });
    try {
      const tokens = new TokenManager({
        fetchTokens: clientCredentialsGrant({ tokenUrl: server.url, clientId: 'svc', clientSecret: SECRET }),
        retry: { minTimeout: 0, randomize: false },
      });
      managers.push(tokens);
      const error = await tokens.getAccessToken().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MalformedResponseError);
      expect(error).toMatchObject({ reason: 'incomplete', status: 200 });
      expect(server.seen.requests).toBe(1);
      expectNoSecrets(error, 'at-lie');
    } finally {
      await server.close();
    }
  });

  it('times out a body that drips a byte every 50 ms for ever: TimeoutError, one request, connection closed by the client', async () => {
    let drip: ReturnType<typeof setInterval> | undefined;
    let closed!: () => void;
    const cut = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const server = await loopback((response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.write('{"access_token":"');
      drip = setInterval(() => response.write('a'), 50);
      response.on('close', () => {
        clearInterval(drip);
        closed();
      });
    });
    // Only the client's timers are fake: the server drips in real time. (undici keeps timers of its own
    // for the pooled connection: no timer count here; the msw test of a late 200 counts them.)
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let headers!: () => void;
      const arrived = new Promise<void>((resolve) => {
        headers = resolve;
      });
      const fetch: FetchLike = async (url, init) => {
        const response = await globalThis.fetch(url, init);
        headers();
        return response;
      };
      const pending = requestToken({ tokenUrl: server.url, grantType: 'x', fetch, timeout: 1_000 }).catch(
        (e: unknown) => e,
      );
      await arrived;
      await vi.advanceTimersByTimeAsync(1_000);
      expect(await pending).toBeInstanceOf(TimeoutError);
      await cut;
      expect(server.seen.requests).toBe(1);
    } finally {
      vi.useRealTimers();
      clearInterval(drip);
      await server.close();
    }
  });
});

describe('discovery: metadata a careless server publishes', () => {
  const WELL_KNOWN = `${ISSUER}/.well-known/oauth-authorization-server`;
  // Each test its own fetch: discover() caches per fetch.
  const freshFetch = (): FetchLike => (url, init) => globalThis.fetch(url, init);
  function metadata(document: Record<string, unknown>) {
    msw.use(
      http.get(WELL_KNOWN, () =>
        HttpResponse.json({ issuer: ISSUER, token_endpoint: TOKEN_URL, ...document }),
      ),
    );
  }

  it.each([
    ['with a trailing slash', `${ISSUER}/`, ISSUER],
    ['without the trailing slash asked for', ISSUER, `${ISSUER}/`],
  ])('refuses an issuer that differs %s: DiscoveryError issuer_mismatch', async (_, published, asked) => {
    msw.use(
      http.get(`${ISSUER}/.well-known/*`, () =>
        HttpResponse.json({ issuer: published, token_endpoint: TOKEN_URL }),
      ),
    );
    const error = await discover(asked, { fetch: freshFetch() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect(error).toMatchObject({ reason: 'issuer_mismatch' });
  });

  it.each([
    ['token_endpoint', 'invalid_token_endpoint'],
    ['revocation_endpoint', 'invalid_endpoint'],
  ])('refuses a %s with a user name and password in it, never quoting them', async (field, reason) => {
    metadata({ [field]: 'https://admin:hunter2-pass@as.example.test/oauth/x' });
    const error = await discover(ISSUER, { fetch: freshFetch() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect(error).toMatchObject({ reason });
    expect(`${String(error)} ${JSON.stringify(error)}`).not.toContain('hunter2-pass');
  });

  it.each([
    ['token_endpoint', 'invalid_token_endpoint'],
    ['revocation_endpoint', 'invalid_endpoint'],
  ])('refuses an http: %s on a host that is not loopback, for an https issuer', async (field, reason) => {
    metadata({ [field]: 'http://as.example.test/oauth/x' });
    const error = await discover(ISSUER, { fetch: freshFetch() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason });
  });

  it.each([
    ['token_endpoint', 'invalid_token_endpoint'],
    ['authorization_endpoint', 'invalid_endpoint'],
  ])(
    'refuses an http: %s off loopback for a loopback http issuer without allowInsecureHttp: DiscoveryError %s, as a request there would be refused',
    async (field, reason) => {
      const issuer = 'http://127.0.0.1:8999';
      const insecure = 'http://as.example.test/oauth/x';
      msw.use(
        http.get(`${issuer}/.well-known/oauth-authorization-server`, () =>
          HttpResponse.json({ issuer, token_endpoint: `${issuer}/token`, [field]: insecure }),
        ),
      );
      const error = await discover(issuer, { fetch: freshFetch() }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DiscoveryError);
      expect(error).toMatchObject({ reason });
      // With the opt-in, as a request with it would be sent there.
      const allowed = await discover(issuer, { fetch: freshFetch(), allowInsecureHttp: true });
      expect(allowed[field]).toBe(insecure);
    },
  );

  it('does not hand a lookup made with allowInsecureHttp to a caller without it (same issuer, same fetch)', async () => {
    const issuer = 'http://127.0.0.1:8998';
    const insecure = 'http://as.example.test/oauth/token';
    let asked = 0;
    msw.use(
      http.get(`${issuer}/.well-known/oauth-authorization-server`, () => {
        asked += 1;
        return HttpResponse.json({ issuer, token_endpoint: insecure });
      }),
    );
    const fetch = freshFetch();
    expect((await discover(issuer, { fetch, allowInsecureHttp: true })).token_endpoint).toBe(insecure);
    const error = await discover(issuer, { fetch }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect(error).toMatchObject({ reason: 'invalid_token_endpoint' });
    expect(asked).toBe(2);
    // The opted-in lookup is still shared with callers that opted in.
    await discover(issuer, { fetch, allowInsecureHttp: true });
    expect(asked).toBe(2);
  });

  it('takes no endpoint from a __proto__ key, and hands out a plain object', async () => {
    metadata(
      JSON.parse(
        '{"__proto__":{"token_endpoint":"https://evil.example.test/t","revocation_endpoint":"https://evil.example.test/r"}}',
      ),
    );
    const found = await discover(ISSUER, { fetch: freshFetch() });
    expect(found.token_endpoint).toBe(TOKEN_URL);
    expect(found.revocation_endpoint).toBeUndefined();
    expect(Object.getPrototypeOf(found)).toBe(Object.prototype);
  });

  it('follows no redirect to another origin: DiscoveryError not_found naming both URLs, nothing asked there', async () => {
    let elsewhere = 0;
    msw.use(
      http.all(ELSEWHERE, () => {
        elsewhere += 1;
        return HttpResponse.json({ issuer: ISSUER, token_endpoint: ELSEWHERE });
      }),
      http.get(
        `${ISSUER}/.well-known/*`,
        () => new HttpResponse(null, { status: 302, headers: { Location: ELSEWHERE } }),
      ),
    );
    const error = await discover(ISSUER, { fetch: freshFetch() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect(error).toMatchObject({ reason: 'not_found' });
    expect((error as Error).message).toContain('(HTTP 302)');
    expect(elsewhere).toBe(0);
  });

  it('refuses a 2 MB document as MalformedResponseError too_large, asking no second URL', async () => {
    let requests = 0;
    msw.use(
      http.get(`${ISSUER}/.well-known/*`, () => {
        requests += 1;
        return json(JSON.stringify({ issuer: ISSUER, token_endpoint: TOKEN_URL, pad: 'x'.repeat(2 * MiB) }));
      }),
    );
    const error = await discover(ISSUER, { fetch: freshFetch() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MALFORMED_RESPONSE', reason: 'too_large' });
    expect(requests).toBe(1);
  });

  it.each([
    ['token_endpoint', { token_endpoint: [TOKEN_URL] }, 'invalid_token_endpoint'],
    ['revocation_endpoint', { revocation_endpoint: [REVOCATION_URL] }, 'invalid_endpoint'],
    ['issuer', { issuer: [ISSUER] }, 'issuer_mismatch'],
    ['jwks_uri', { jwks_uri: { href: `${ISSUER}/jwks` } }, 'invalid_endpoint'],
  ])('refuses an array or object where %s should be a string', async (_, document, reason) => {
    metadata(document);
    const error = await discover(ISSUER, { fetch: freshFetch() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect(error).toMatchObject({ reason });
  });
});

describe('revocation: answers a careless server gives', () => {
  function revocationEndpoint(answer: () => Response) {
    const seen = { requests: 0 };
    msw.use(
      http.post(REVOCATION_URL, () => {
        seen.requests += 1;
        return answer();
      }),
    );
    return seen;
  }
  const revoke = () =>
    revokeToken({
      revocationUrl: REVOCATION_URL,
      token: 'rt-to-revoke',
      clientId: 'svc',
      clientSecret: SECRET,
    });

  it.each([
    ['a JSON body', () => HttpResponse.json({ revoked: true, token: 'rt-to-revoke' })],
    ['an HTML body', () => new HttpResponse('<html>ok</html>', { headers: { 'Content-Type': 'text/html' } })],
    ['204', () => new HttpResponse(null, { status: 204 })],
  ])('resolves on a 2xx with %s, in one request', async (_, answer) => {
    const seen = revocationEndpoint(answer);
    await expect(revoke()).resolves.toBeUndefined();
    expect(seen.requests).toBe(1);
  });

  it('reports a 503 as a transient HttpError, not retried; the next call succeeds', async () => {
    let calls = 0;
    const seen = revocationEndpoint(() =>
      ++calls === 1 ? new HttpResponse('busy', { status: 503 }) : new HttpResponse(null, { status: 200 }),
    );
    const error = await revoke().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 503 });
    expect(isTransient(error)).toBe(true);
    expect(seen.requests).toBe(1);
    await expect(revoke()).resolves.toBeUndefined();
    expect(seen.requests).toBe(2);
    expectNoSecrets(error, 'rt-to-revoke');
  });

  it('reports 400 unsupported_token_type as a final OAuthError naming the code, without the token', async () => {
    const seen = revocationEndpoint(() =>
      HttpResponse.json(
        { error: 'unsupported_token_type', error_description: 'cannot revoke rt-to-revoke' },
        { status: 400 },
      ),
    );
    const error = await revoke().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toMatchObject({ error: 'unsupported_token_type', status: 400 });
    expect(isTransient(error)).toBe(false);
    expect(seen.requests).toBe(1);
    expectNoSecrets(error, 'rt-to-revoke');
  });
});
