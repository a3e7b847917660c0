import { get, type IncomingHttpHeaders } from 'node:http';
import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { postToken } from '../test/token-request.js';
import { createAuthServer } from './create-auth-server.js';
import { type HandlerServer, serveHandlers } from './serve-handlers.js';

// No msw interception in this file: every request goes over real loopback HTTP.
describe('serveHandlers', () => {
  let server: HandlerServer;
  let auth: ReturnType<typeof createAuthServer>;

  beforeAll(async () => {
    server = await serveHandlers();
    auth = createAuthServer({ issuer: server.url });
    server.use(...auth.handlers, ...auth.protectedApi(`${server.url}/api`));
  }, 30_000);
  afterAll(() => server.close());

  it('listens on 127.0.0.1 with a free port', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).not.toMatch(/:0$/);
  });

  // Node announces its idle timeout as `Keep-Alive: timeout=<s>` and closes idle connections after it;
  // a server that announces none never closes one: a client reusing it is never reset (decision 0024).
  it('keeps connections alive and leaves closing idle ones to the client', async () => {
    const headers = await new Promise<IncomingHttpHeaders>((resolve, reject) => {
      get(`${server.url}/unknown`, (response) => {
        response.resume();
        response.on('end', () => resolve(response.headers));
      }).on('error', reject);
    });
    expect(headers.connection).toBe('keep-alive');
    expect(headers['keep-alive']).toBeUndefined();
  });

  it('issues tokens and serves the protected API over real HTTP', async () => {
    const tokenResponse = await postToken(auth.tokenUrl, {
      form: { grant_type: 'client_credentials' },
      basic: ['service', 'service-secret'],
    });
    expect(tokenResponse.status).toBe(200);
    const { access_token } = (await tokenResponse.json()) as { access_token: string };
    const api = await fetch(`${server.url}/api/orders?limit=1`, {
      headers: { Authorization: `Bearer ${access_token}` },
    });
    expect(api.status).toBe(200);
    expect(await api.json()).toEqual({ ok: true, method: 'GET', path: '/api/orders', sub: 'service' });
    expect(auth.tokenRequestCount).toBe(1);
  });

  it('answers 401 with WWW-Authenticate readable cross-origin', async () => {
    const api = await fetch(`${server.url}/api/orders`, { headers: { Origin: 'http://127.0.0.1:1' } });
    expect(api.status).toBe(401);
    expect(api.headers.get('www-authenticate')).toBe(`Bearer realm="${server.url}/api"`);
    expect(api.headers.get('access-control-allow-origin')).toBe('*');
    expect(api.headers.get('access-control-expose-headers')).toContain('WWW-Authenticate');
  });

  it('answers CORS preflights for Authorization and Content-Type', async () => {
    const preflight = await fetch(`${server.url}/api/orders`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://127.0.0.1:1',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Content-Type/);
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(/POST/);
  });

  it('answers a preflight for a DPoP request and exposes DPoP-Nonce and WWW-Authenticate', async () => {
    const preflight = await fetch(`${server.url}/api/orders`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://127.0.0.1:1',
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'authorization,dpop',
      },
    });
    expect(preflight.status).toBe(204);
    const allowed = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'dpop']));
    server.use(
      http.get(`${server.url}/dpop-api`, () => {
        const headers = { 'DPoP-Nonce': 'nonce-1', 'WWW-Authenticate': 'DPoP error="use_dpop_nonce"' };
        return new HttpResponse(null, { status: 401, headers });
      }),
    );
    const challenge = await fetch(`${server.url}/dpop-api`, {
      headers: { Origin: 'http://127.0.0.1:1', DPoP: 'proof' },
    });
    expect(challenge.headers.get('dpop-nonce')).toBe('nonce-1');
    const exposed = (challenge.headers.get('access-control-expose-headers') ?? '')
      .toLowerCase()
      .split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['dpop-nonce', 'www-authenticate', 'retry-after']));
  });

  it('answers 404 for a request no handler matches, naming the path but never the query', async () => {
    const response = await fetch(`${server.url}/nowhere?code=secret-code&access_token=secret-token`);
    expect(response.status).toBe(404);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(await response.text()).toBe('serveHandlers: no handler for GET /nowhere');
  });

  it('names a path with a token the server issued as [REDACTED] in its 404 and in its handler-error line', async () => {
    const { access_token, refresh_token = '' } = await auth.issueTokens();
    const response = await fetch(`${server.url}/nowhere/${access_token}`);
    expect(await response.text()).toBe('serveHandlers: no handler for GET /nowhere/[REDACTED]');
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    server.use(
      http.get(`${server.url}/leaky/:token`, () => {
        throw new Error('boom');
      }),
    );
    expect((await fetch(`${server.url}/leaky/${refresh_token}`)).status).toBe(500);
    expect(log.mock.calls).toEqual([
      [
        '[@tessera/testing] serveHandlers: a handler threw on GET /leaky/[REDACTED] and was answered 500. ' +
          'Its message is not printed (it may hold a secret): pass onHandlerError to serveHandlers to get the error.',
      ],
    ]);
    log.mockRestore();
  });

  it('serves the revocation endpoint', async () => {
    const { refresh_token = '' } = await auth.issueTokens();
    const response = await fetch(auth.revocationUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: refresh_token, client_id: 'web' }),
    });
    expect(response.status).toBe(200);
    expect(auth.revocationRequests.at(-1)).toMatchObject({ status: 200, revoked: 'refresh_token' });
  });

  it('gives handlers added later precedence, like msw use()', async () => {
    server.use(http.get(`${server.url}/api/health`, () => HttpResponse.json({ up: true })));
    const response = await fetch(`${server.url}/api/health`);
    expect(await response.json()).toEqual({ up: true });
  });

  it('answers 500 without the error message when a handler throws, and logs only method and path', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    server.use(
      http.post(`${server.url}/leaky`, () => {
        throw new Error('upstream said: access_token=secret-token-1');
      }),
    );
    const response = await fetch(`${server.url}/leaky?code=secret-code`, { method: 'POST', body: 'x' });
    expect(response.status).toBe(500);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(await response.text()).toBe(
      'serveHandlers: a handler threw. Its message is not sent (it may hold a secret): see onHandlerError.',
    );
    expect(log).toHaveBeenCalledTimes(1);
    expect(log).toHaveBeenCalledWith(
      '[@tessera/testing] serveHandlers: a handler threw on POST /leaky and was answered 500. ' +
        'Its message is not printed (it may hold a secret): pass onHandlerError to serveHandlers to get the error.',
    );
    log.mockRestore();
  });

  it('answers a handler that returns HttpResponse.error() with a network error, not a 500', async () => {
    server.use(http.get(`${server.url}/network-error`, () => HttpResponse.error()));
    await expect(fetch(`${server.url}/network-error`)).rejects.toThrow(TypeError);
  });

  it('refuses an unknown option with the nearest known name, before listening', async () => {
    await expect(serveHandlers({ Host: '127.0.0.1' } as never)).rejects.toThrow(
      new TypeError('serveHandlers(options): unknown option "Host" — did you mean "host"?'),
    );
    await expect(serveHandlers({ onError: () => undefined } as never)).rejects.toThrow(
      /unknown option "onError" — known options: port, host, onHandlerError$/,
    );
  });
});

describe('serveHandlers onHandlerError', () => {
  const handlerErrors: Array<{ error: unknown; method: string; url: string }> = [];
  let server: HandlerServer;

  beforeAll(async () => {
    server = await serveHandlers({
      onHandlerError: (error, request) =>
        handlerErrors.push({ error, method: request.method, url: request.url }),
    });
  });
  afterEach(() => {
    server.resetHandlers();
    handlerErrors.length = 0;
  });
  afterAll(() => server.close());

  it('gets the error a handler threw, after the client got a 500 without its message', async () => {
    const thrown = new Error('Bearer secret-token-2 was refused');
    server.use(
      http.get(`${server.url}/leaky`, () => {
        throw thrown;
      }),
    );
    const response = await fetch(`${server.url}/leaky?state=s`);
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('secret-token-2');
    expect(handlerErrors).toEqual([{ error: thrown, method: 'GET', url: `${server.url}/leaky?state=s` }]);
  });

  it('gets the error of a response body stream that fails, and the client still gets a clean 500', async () => {
    const failed = new Error('stream broke at refresh_token=secret-token-3');
    server.use(
      http.get(
        `${server.url}/stream`,
        () =>
          new HttpResponse(
            new ReadableStream({
              pull(controller) {
                controller.error(failed);
              },
            }),
            { status: 200 },
          ),
      ),
    );
    const response = await fetch(`${server.url}/stream`);
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('secret-token-3');
    expect(handlerErrors.map(({ error }) => error)).toEqual([failed]);
  });

  it('is not called for answers, 404s and network errors', async () => {
    server.use(
      http.get(`${server.url}/ok`, () => HttpResponse.json({ ok: true })),
      http.get(`${server.url}/gone`, () => HttpResponse.error()),
    );
    expect((await fetch(`${server.url}/ok`)).status).toBe(200);
    expect((await fetch(`${server.url}/nowhere`)).status).toBe(404);
    await expect(fetch(`${server.url}/gone`)).rejects.toThrow(TypeError);
    expect(handlerErrors).toEqual([]);
  });
});
