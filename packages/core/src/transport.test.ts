import { type AddressInfo, createServer } from 'node:net';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AbortError } from './errors/abort-error.js';
import { DisposedError } from './errors/disposed-error.js';
import { HttpError } from './errors/http-error.js';
import { NetworkError } from './errors/network-error.js';
import { TesseraError } from './errors/tessera-error.js';
import { TimeoutError } from './errors/timeout-error.js';
import { clientCredentialsGrant } from './grants/client-credentials-grant.js';
import { passwordGrant } from './grants/password-grant.js';
import { refreshTokenGrant } from './grants/refresh-token-grant.js';
import { requestToken } from './token-endpoint.js';
import { TokenManager } from './token-manager.js';

const TOKEN_URL = 'https://auth.example.test/oauth/token';

const server = setupServer();
function failUnhandledRequest(request: Request): never {
  throw new Error(`No msw handler for ${request.method} ${new URL(request.url).pathname}`);
}
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});
afterAll(() => server.close());

/** A fetch that answers like a token endpoint and records how it was called. */
function recordingFetch(answer: () => Response = () => Response.json({ access_token: 'at' })) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetchImpl = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    return answer();
  }) as unknown as typeof fetch;
  return { fetchImpl, calls };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** A fetch failing like undici does when nobody listens: TypeError('fetch failed') with a coded cause. */
function failingFetch(code: string, message: string): typeof fetch {
  return (async () => {
    throw new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code }) });
  }) as typeof fetch;
}

describe('fetch transport', () => {
  it('calls the injected fetch as fetch(url, init) with method, plain headers and a string body', async () => {
    const { fetchImpl, calls } = recordingFetch();
    await requestToken({
      tokenUrl: TOKEN_URL,
      grantType: 'client_credentials',
      clientId: 'svc',
      clientSecret: 'secret-value',
      fetch: fetchImpl,
    });
    expect(calls).toHaveLength(1);
    const [{ url, init }] = calls as [{ url: string; init: RequestInit }];
    expect(url).toBe(TOKEN_URL);
    expect(init.method).toBe('POST');
    expect(typeof init.body).toBe('string');
    expect(new URLSearchParams(init.body as string).get('grant_type')).toBe('client_credentials');
    expect(init.headers).toMatchObject({
      'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: `Basic ${btoa('svc:secret-value')}`,
    });
    expect(init.redirect).toBe('manual');
    expect(init.signal).toBeInstanceOf(AbortSignal);
  });

  it('lets a decorating fetch add a header and send again once (the DPoP nonce contract)', async () => {
    const seen: Array<string | null> = [];
    server.use(
      http.post(TOKEN_URL, ({ request }) => {
        const proof = request.headers.get('dpop');
        seen.push(proof);
        if (proof !== 'proof-with-nonce') {
          return HttpResponse.json(
            { error: 'use_dpop_nonce' },
            { status: 400, headers: { 'DPoP-Nonce': 'n-1' } },
          );
        }
        return HttpResponse.json({ access_token: 'at', token_type: 'DPoP' });
      }),
    );
    const dpopFetch: typeof fetch = async (input, init) => {
      const send = (proof: string) =>
        fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), DPoP: proof } });
      const first = await send('proof');
      if (first.status !== 400 || !first.headers.get('dpop-nonce')) return first;
      return send('proof-with-nonce');
    };
    const response = await requestToken({ tokenUrl: TOKEN_URL, grantType: 'x', fetch: dpopFetch });
    expect(response.access_token).toBe('at');
    expect(seen).toEqual(['proof', 'proof-with-nonce']);
  });

  it('rethrows a TesseraError thrown by the injected fetch as it is: not a NetworkError, never retried', async () => {
    // What a decorating fetch throws when it cannot answer a nonce challenge (DPoPNonceError).
    const thrown = new TesseraError('SIGN_IN_FAILED', 'nonce challenge could not be answered');
    let calls = 0;
    const failing = (async () => {
      calls += 1;
      throw thrown;
    }) as unknown as typeof fetch;
    const tokens = new TokenManager({
      fetchTokens: clientCredentialsGrant({
        tokenUrl: TOKEN_URL,
        clientId: 'svc',
        clientSecret: 's3cret',
        fetch: failing,
      }),
    });
    const error = await tokens.getAccessToken().catch((e: unknown) => e);
    expect(error).toBe(thrown);
    expect(error).not.toBeInstanceOf(NetworkError);
    expect(calls).toBe(1);
    tokens.dispose();
  });

  it('reads globalThis.fetch at call time, not at import time', async () => {
    const { fetchImpl, calls } = recordingFetch();
    vi.stubGlobal('fetch', fetchImpl);
    await requestToken({ tokenUrl: TOKEN_URL, grantType: 'x' });
    expect(calls).toHaveLength(1);
  });

  it('passes fetch through refreshTokenGrant, clientCredentialsGrant and passwordGrant', async () => {
    const { fetchImpl, calls } = recordingFetch(() =>
      Response.json({ access_token: 'at', refresh_token: 'rt' }),
    );
    const context = { signal: new AbortController().signal, reason: 'initial' as const, attempt: 1 };
    await refreshTokenGrant({ tokenUrl: TOKEN_URL, clientId: 'web', fetch: fetchImpl })({
      ...context,
      refreshToken: 'rt-0',
    });
    await clientCredentialsGrant({
      tokenUrl: TOKEN_URL,
      clientId: 'svc',
      clientSecret: 's3cret',
      fetch: fetchImpl,
    })({ ...context, refreshToken: undefined });
    await passwordGrant(
      { tokenUrl: TOKEN_URL, clientId: 'web', fetch: fetchImpl },
      { username: 'alice', password: 'hunter22' },
    );
    expect(calls.map(({ init }) => new URLSearchParams(init.body as string).get('grant_type'))).toEqual([
      'refresh_token',
      'client_credentials',
      'password',
    ]);
  });

  it('never follows a redirect from the token endpoint: HttpError, and nothing reaches the target', async () => {
    let followed = 0;
    server.use(
      http.post(
        TOKEN_URL,
        () => new HttpResponse(null, { status: 307, headers: { Location: 'https://evil.test/t' } }),
      ),
      http.post('https://evil.test/t', () => {
        followed += 1;
        return HttpResponse.json({ access_token: 'stolen' });
      }),
    );
    const error = await requestToken({
      tokenUrl: TOKEN_URL,
      grantType: 'refresh_token',
      params: { refresh_token: 'rt-secret' },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 307, transient: false });
    expect((error as Error).message).toBe(
      "Token request was answered with a redirect (HTTP 307), which is never followed: use the endpoint's final URL — POST https://auth.example.test/oauth/token",
    );
    expect(followed).toBe(0);
  });

  it('times out one attempt with TimeoutError naming the endpoint', async () => {
    vi.useFakeTimers();
    const never: typeof fetch = (_url, init) =>
      new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    const pending = requestToken({ tokenUrl: TOKEN_URL, grantType: 'x', fetch: never, timeout: 500 }).catch(
      (e: unknown) => e,
    );
    await vi.advanceTimersByTimeAsync(500);
    const error = await pending;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toBe(
      'Token request timed out after 500 ms — POST https://auth.example.test/oauth/token',
    );
  });

  it('settles on timeout even when the fetch ignores its signal', async () => {
    vi.useFakeTimers();
    const deaf: typeof fetch = () => new Promise(() => {});
    const pending = requestToken({ tokenUrl: TOKEN_URL, grantType: 'x', fetch: deaf, timeout: 50 }).catch(
      (e: unknown) => e,
    );
    await vi.advanceTimersByTimeAsync(50);
    expect(await pending).toBeInstanceOf(TimeoutError);
  });

  it("keeps the caller's abort reason: a TesseraError reason as it is, a TimeoutError naming this request, anything else as AbortError's cause", async () => {
    const { fetchImpl, calls } = recordingFetch();
    const disposed = new DisposedError();
    const tessera = await requestToken({
      tokenUrl: TOKEN_URL,
      grantType: 'x',
      fetch: fetchImpl,
      signal: AbortSignal.abort(disposed),
    }).catch((e: unknown) => e);
    expect(tessera).toBe(disposed);

    const managerTimeout = new TimeoutError(1000, 'fetchTokens');
    const timedOut = await requestToken({
      tokenUrl: TOKEN_URL,
      grantType: 'x',
      fetch: fetchImpl,
      signal: AbortSignal.abort(managerTimeout),
    }).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(TimeoutError);
    expect(timedOut).toMatchObject({
      timeout: 1000,
      message: `Token request timed out after 1000 ms — POST ${TOKEN_URL}`,
    });

    const controller = new AbortController();
    const hanging: typeof fetch = (_url, init) =>
      new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
    const pending = requestToken({
      tokenUrl: TOKEN_URL,
      grantType: 'x',
      fetch: hanging,
      signal: controller.signal,
    }).catch((e: unknown) => e);
    const reason = new Error('user left the page');
    controller.abort(reason);
    const error = await pending;
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBe(reason);
    expect(calls).toHaveLength(0);
  });

  it.each([
    ['ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'],
    ['ENOTFOUND', 'getaddrinfo ENOTFOUND auth.example.test'],
  ])('says %s in the NetworkError message, with the endpoint', async (code, message) => {
    const error = await requestToken({
      tokenUrl: TOKEN_URL,
      grantType: 'x',
      fetch: failingFetch(code, message),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toBe(
      `Token request failed before any response (${code}) — POST https://auth.example.test/oauth/token`,
    );
    expect(((error as Error).cause as Error).cause).toMatchObject({ code, message });
  });

  it('names a real refused connection ECONNREFUSED (platform fetch, nothing listening)', async () => {
    const port = await closedPort();
    server.close();
    try {
      const error = await requestToken({ tokenUrl: `http://127.0.0.1:${port}/token`, grantType: 'x' }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(NetworkError);
      expect((error as Error).message).toBe(
        `Token request failed before any response (ECONNREFUSED) — POST http://127.0.0.1:${port}/token`,
      );
    } finally {
      server.listen({ onUnhandledRequest: failUnhandledRequest });
    }
  });
});

describe('endpoint URLs', () => {
  it.each(['http://auth.example.test/token', 'http://10.0.0.5/token'])(
    'refuses %s over plain http with a TypeError that says how to opt in, sending nothing',
    async (tokenUrl) => {
      const { fetchImpl, calls } = recordingFetch();
      const error = await requestToken({ tokenUrl, grantType: 'x', fetch: fetchImpl }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toContain('requestToken: tokenUrl uses http:');
      expect((error as Error).message).toContain('allowInsecureHttp: true');
      expect(calls).toHaveLength(0);
      expect(() => refreshTokenGrant({ tokenUrl, clientId: 'web' })).toThrow(/allowInsecureHttp: true/);
      expect(() => clientCredentialsGrant({ tokenUrl, clientId: 'svc', clientSecret: 's3cret' })).toThrow(
        /clientCredentialsGrant: tokenUrl uses http:/,
      );
      await expect(
        passwordGrant({ tokenUrl, clientId: 'web' }, { username: 'a', password: 'hunter22' }),
      ).rejects.toThrow(/passwordGrant: tokenUrl uses http:/);
    },
  );

  it.each(['http://localhost:8080/token', 'http://127.0.0.1/token', 'http://[::1]:3000/token'])(
    'accepts loopback %s over http',
    async (tokenUrl) => {
      const { fetchImpl, calls } = recordingFetch();
      await requestToken({ tokenUrl, grantType: 'x', fetch: fetchImpl });
      expect(calls).toHaveLength(1);
    },
  );

  it('accepts plain http elsewhere only with allowInsecureHttp: true', async () => {
    const { fetchImpl, calls } = recordingFetch();
    await requestToken({
      tokenUrl: 'http://auth.internal/token',
      grantType: 'x',
      fetch: fetchImpl,
      allowInsecureHttp: true,
    });
    expect(calls).toHaveLength(1);
  });

  it('refuses a relative tokenUrl with a TypeError naming the option and the fix', () => {
    expect(() => refreshTokenGrant({ tokenUrl: '/oauth/token', clientId: 'web' })).toThrow(
      new TypeError(
        'refreshTokenGrant: tokenUrl must be an absolute URL such as https://auth.example.com/oauth/token',
      ),
    );
  });

  it('refuses user:password in a tokenUrl without repeating them', async () => {
    const error = await requestToken({
      tokenUrl: 'https://svc:pa55word@auth.example.test/token',
      grantType: 'x',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).not.toContain('pa55word');
    expect((error as Error).message).toContain('must not contain a user name or password');
  });

  it.each(['https://:pa55word@auth.example.test/token', 'https://svc@auth.example.test/token'])(
    'refuses a password or a user name alone in a tokenUrl (%s)',
    async (tokenUrl) => {
      const error = await requestToken({ tokenUrl, grantType: 'x' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).not.toContain('pa55word');
      expect((error as Error).message).toContain('must not contain a user name or password');
    },
  );
});
