import { inspect } from 'node:util';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AbortError } from './errors/abort-error.js';
import { isOAuthError, isTesseraError } from './errors/guards.js';
import { HttpError } from './errors/http-error.js';
import { LoginRequiredError } from './errors/login-required-error.js';
import { MalformedResponseError } from './errors/malformed-response-error.js';
import { NetworkError } from './errors/network-error.js';
import { OAuthError } from './errors/oauth-error.js';
import { RateLimitError } from './errors/rate-limit-error.js';
import { TimeoutError } from './errors/timeout-error.js';
import type { FetchLike } from './fetch-like.js';
import { clientCredentialsGrant } from './grants/client-credentials-grant.js';
import { passwordGrant } from './grants/password-grant.js';
import { refreshTokenGrant } from './grants/refresh-token-grant.js';
import { requestToken } from './token-endpoint.js';
import { TokenManager } from './token-manager.js';
import { isTransient } from './transient.js';

const TOKEN_URL = 'https://auth.example.test/oauth/token';
const SECRET = 'sup3r-s3cret-value';
const REFRESH = 'refresh-token-value-123';

interface Seen {
  form: URLSearchParams;
  authorization: string | null;
  contentType: string | null;
}
const seen: Seen[] = [];
const server = setupServer();

function answer(body: unknown, init?: ResponseInit) {
  server.use(
    http.post(TOKEN_URL, async ({ request }) => {
      seen.push({
        form: new URLSearchParams(await request.text()),
        authorization: request.headers.get('authorization'),
        contentType: request.headers.get('content-type'),
      });
      return typeof body === 'string'
        ? new HttpResponse(body, init)
        : HttpResponse.json(body as Record<string, unknown>, init);
    }),
  );
}

/** Fails an unmatched request without printing its body (msw's 'error' would print the client secret). */
function failUnhandledRequest(request: Request): never {
  throw new Error(`No msw handler for ${request.method} ${new URL(request.url).pathname}`);
}
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  seen.length = 0;
});
afterAll(() => server.close());

function expectNoSecrets(error: unknown, secrets: string[]) {
  const renderings = [
    String(error),
    JSON.stringify(error),
    inspect(error, { depth: 10 }),
    (error as Error).message,
  ];
  for (const text of renderings) {
    for (const secret of secrets) expect(text).not.toContain(secret);
  }
}

describe('request shape', () => {
  it('sends client_secret_basic with form-urlencoded credentials (RFC 6749 §2.3.1)', async () => {
    answer({ access_token: 'a', token_type: 'Bearer', expires_in: 60 });
    await requestToken({
      tokenUrl: TOKEN_URL,
      grantType: 'client_credentials',
      clientId: 'svc:one',
      clientSecret: 'p@ss word',
      params: { scope: 'read write', resource: ['https://a.test', 'https://b.test'] },
    });
    const [request] = seen;
    expect(request?.authorization).toBe(`Basic ${btoa('svc%3Aone:p%40ss+word')}`);
    expect(request?.contentType).toContain('application/x-www-form-urlencoded');
    expect(request?.form.get('grant_type')).toBe('client_credentials');
    expect(request?.form.get('scope')).toBe('read write');
    expect(request?.form.getAll('resource')).toEqual(['https://a.test', 'https://b.test']);
    expect(request?.form.has('client_secret')).toBe(false);
  });

  it('sends client_secret_post credentials in the body', async () => {
    answer({ access_token: 'a' });
    await clientCredentialsGrant({
      tokenUrl: TOKEN_URL,
      clientId: 'svc',
      clientSecret: SECRET,
      authMethod: 'client_secret_post',
      audience: 'https://api.test',
    })({ refreshToken: undefined, signal: new AbortController().signal, reason: 'initial', attempt: 1 });
    expect(seen[0]?.authorization).toBeNull();
    expect(seen[0]?.form.get('client_id')).toBe('svc');
    expect(seen[0]?.form.get('client_secret')).toBe(SECRET);
    expect(seen[0]?.form.get('audience')).toBe('https://api.test');
    expect(seen[0]?.form.has('scope')).toBe(false);
  });

  it('sends scope, audience and resource from params unless the option of that name is given (clientCredentialsGrant, passwordGrant)', async () => {
    answer({ access_token: 'a' });
    const context = {
      refreshToken: undefined,
      signal: new AbortController().signal,
      reason: 'initial',
      attempt: 1,
    } as const;
    const params = {
      scope: 'read',
      audience: 'https://params.test',
      resource: ['https://a.test', 'https://b.test'],
    };
    await clientCredentialsGrant({ tokenUrl: TOKEN_URL, clientId: 'svc', clientSecret: SECRET, params })(
      context,
    );
    await passwordGrant(
      { tokenUrl: TOKEN_URL, clientId: 'web', params: { scope: 'openid offline_access' } },
      { username: 'alice', password: 'hunter2' },
    );
    // A dedicated option wins over the same name in params; other params are still sent.
    await clientCredentialsGrant({
      tokenUrl: TOKEN_URL,
      clientId: 'svc',
      clientSecret: SECRET,
      scope: 'write',
      audience: 'https://option.test',
      resource: 'https://option.test/r',
      params: { ...params, extra: 'kept' },
    })(context);
    await passwordGrant(
      { tokenUrl: TOKEN_URL, clientId: 'web', scope: 'openid', params: { scope: 'email' } },
      { username: 'alice', password: 'hunter2' },
    );
    const sent = (n: number, name: string) => seen[n]?.form.getAll(name);
    expect([sent(0, 'scope'), sent(0, 'audience'), sent(0, 'resource')]).toEqual([
      ['read'],
      ['https://params.test'],
      ['https://a.test', 'https://b.test'],
    ]);
    expect(sent(1, 'scope')).toEqual(['openid offline_access']);
    expect([sent(2, 'scope'), sent(2, 'audience'), sent(2, 'resource'), sent(2, 'extra')]).toEqual([
      ['write'],
      ['https://option.test'],
      ['https://option.test/r'],
      ['kept'],
    ]);
    expect(sent(3, 'scope')).toEqual(['openid']);
  });

  it('drops a refresh_token from a client_credentials answer (RFC 6749 §4.4.3) and keeps it for other grants', async () => {
    answer({ access_token: 'svc-token', refresh_token: REFRESH, expires_in: 60 });
    const grant = clientCredentialsGrant({ tokenUrl: TOKEN_URL, clientId: 'svc', clientSecret: SECRET });
    const manager = new TokenManager({ fetchTokens: grant });

    expect(await manager.getAccessToken()).toBe('svc-token');
    expect(manager.peekTokens()?.refreshToken).toBeUndefined();
    await manager.getAccessToken({ forceRefresh: true });
    expect(seen.map(({ form }) => form.get('grant_type'))).toEqual([
      'client_credentials',
      'client_credentials',
    ]);
    expect(seen.some(({ form }) => form.has('refresh_token'))).toBe(false);
    expect(await requestToken({ tokenUrl: TOKEN_URL, grantType: 'password' })).toMatchObject({
      refresh_token: REFRESH,
    });
    manager.dispose();
  });

  it('sends a public client as client_id only, with the refresh token', async () => {
    answer({ access_token: 'a' });
    const fetchTokens = refreshTokenGrant({ tokenUrl: TOKEN_URL, clientId: 'web' });
    await fetchTokens({
      refreshToken: REFRESH,
      signal: new AbortController().signal,
      reason: 'expired',
      attempt: 1,
    });
    expect(seen[0]?.authorization).toBeNull();
    expect(Object.fromEntries(seen[0]?.form ?? [])).toEqual({
      grant_type: 'refresh_token',
      client_id: 'web',
      refresh_token: REFRESH,
    });
  });

  it('rejects a refresh without a refresh token with LoginRequiredError and sends nothing', async () => {
    const fetchTokens = refreshTokenGrant({ tokenUrl: TOKEN_URL, clientId: 'web' });
    const context = {
      refreshToken: undefined,
      signal: new AbortController().signal,
      reason: 'initial' as const,
    };
    await expect(fetchTokens({ ...context, attempt: 1 })).rejects.toBeInstanceOf(LoginRequiredError);
    expect(seen).toHaveLength(0);
  });

  it('signs in with the password grant and normalises the token set', async () => {
    answer({ access_token: 'a', refresh_token: 'r', expires_in: '60', scope: 'openid' });
    const before = Date.now();
    const set = await passwordGrant(
      { tokenUrl: TOKEN_URL, clientId: 'web', scope: 'openid offline_access' },
      { username: 'alice', password: 'hunter2' },
    );
    expect(seen[0]?.form.get('grant_type')).toBe('password');
    expect(seen[0]?.form.get('username')).toBe('alice');
    expect(set).toMatchObject({ accessToken: 'a', refreshToken: 'r', tokenType: 'Bearer', scope: 'openid' });
    expect(set.expiresAt).toBeGreaterThanOrEqual(before + 60_000);
  });

  it('measures the password grant expiry on the injected clock', async () => {
    answer({ access_token: 'a', expires_in: 60 });
    const now = Date.UTC(2030, 0, 1);
    const set = await passwordGrant(
      { tokenUrl: TOKEN_URL, clientId: 'web', clock: () => now },
      { username: 'alice', password: 'hunter2' },
    );
    expect(set.expiresAt).toBe(now + 60_000);
    expect(set.issuedAt).toBe(now);
  });

  it('bounds the password grant by a timeout of 10 s by default, or the one given: TimeoutError naming the request', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    // An endpoint that never answers (or drips its body for ever); it stops when its signal aborts.
    const hung: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) =>
        init.signal.addEventListener('abort', () => reject(init.signal.reason)),
      );
    const signIn = (timeout?: number) => {
      const outcome: { error?: unknown } = {};
      passwordGrant(
        { tokenUrl: TOKEN_URL, clientId: 'web', fetch: hung, ...(timeout && { timeout }) },
        { username: 'alice', password: 'hunter2' },
      ).catch((error: unknown) => {
        outcome.error = error;
      });
      return outcome;
    };
    try {
      const byDefault = signIn();
      await vi.advanceTimersByTimeAsync(9_999);
      expect(byDefault.error).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(byDefault.error).toBeInstanceOf(TimeoutError);
      expect((byDefault.error as Error).message).toBe(
        `Token request timed out after 10000 ms — POST ${TOKEN_URL}`,
      );
      const given = signIn(2_000);
      await vi.advanceTimersByTimeAsync(2_000);
      expect(given.error).toBeInstanceOf(TimeoutError);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('accepts the password grant answer of the token types given, and by default only Bearer (no downgrade either way)', async () => {
    const signIn = (tokenTypes?: readonly string[]) =>
      passwordGrant(
        { tokenUrl: TOKEN_URL, clientId: 'web', ...(tokenTypes && { tokenTypes }) },
        { username: 'alice', password: 'hunter2' },
      );
    answer({ access_token: 'a', token_type: 'dpop' });
    expect(await signIn(['DPoP'])).toMatchObject({ accessToken: 'a', tokenType: 'DPoP' });
    const byDefault = await signIn().catch((error: unknown) => error);
    expect(byDefault).toBeInstanceOf(MalformedResponseError);
    answer({ access_token: 'a', token_type: 'Bearer' });
    const downgraded = await signIn(['DPoP']).catch((error: unknown) => error);
    expect(downgraded).toBeInstanceOf(MalformedResponseError);
    expect((downgraded as MalformedResponseError).reason).toBe((byDefault as MalformedResponseError).reason);
    expect(seen).toHaveLength(3);
  });
});

describe('error responses', () => {
  it('throws OAuthError with the RFC fields and a message that names the code, status and endpoint', async () => {
    answer(
      { error: 'invalid_grant', error_description: 'Refresh token expired', error_uri: 'https://d' },
      { status: 400 },
    );
    const error = await requestToken({ tokenUrl: TOKEN_URL, grantType: 'refresh_token' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toMatchObject({
      code: 'OAUTH_ERROR',
      error: 'invalid_grant',
      errorDescription: 'Refresh token expired',
      errorUri: 'https://d',
      status: 400,
    });
    expect((error as Error).message).toBe(
      'invalid_grant: Refresh token expired (HTTP 400) — POST https://auth.example.test/oauth/token',
    );
    expect(isOAuthError(error, 'invalid_grant')).toBe(true);
    expect(isOAuthError(error, 'invalid_client')).toBe(false);
  });

  it('treats an error body sent with HTTP 200 as an OAuthError', async () => {
    answer({ error: 'invalid_scope' }, { status: 200 });
    const error = await requestToken({ tokenUrl: TOKEN_URL, grantType: 'x' }).catch((e: unknown) => e);
    expect(isOAuthError(error, 'invalid_scope')).toBe(true);
    expect((error as OAuthError).status).toBe(200);
  });

  it('throws MalformedResponseError for an HTML page with HTTP 200', async () => {
    answer('<html><body>Login</body></html>', { status: 200, headers: { 'Content-Type': 'text/html' } });
    const error = await requestToken({ tokenUrl: TOKEN_URL, grantType: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect((error as MalformedResponseError).reason).toBe('not_json');
  });

  it('throws MalformedResponseError when access_token is missing', async () => {
    answer({ token_type: 'Bearer', expires_in: 60 });
    const error = await requestToken({ tokenUrl: TOKEN_URL, grantType: 'x' }).catch((e: unknown) => e);
    expect((error as MalformedResponseError).reason).toBe('missing_access_token');
  });

  it('throws HttpError for an HTML 502 from a proxy', async () => {
    answer('<html>Bad Gateway</html>', { status: 502 });
    const error = await requestToken({ tokenUrl: TOKEN_URL, grantType: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 502, code: 'HTTP_ERROR' });
  });

  it('throws RateLimitError with Retry-After in seconds converted to ms', async () => {
    answer('slow down', { status: 429, headers: { 'Retry-After': '12' } });
    const error = await requestToken({ tokenUrl: TOKEN_URL, grantType: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 12_000 });
  });

  it('reads Retry-After given as an HTTP-date', async () => {
    const date = new Date(Date.now() + 30_000).toUTCString();
    answer({ error: 'temporarily_unavailable' }, { status: 503, headers: { 'Retry-After': date } });
    const error = (await requestToken({ tokenUrl: TOKEN_URL, grantType: 'x' }).catch(
      (e: unknown) => e,
    )) as OAuthError;
    expect(error.retryAfter).toBeGreaterThan(25_000);
    expect(error.retryAfter).toBeLessThanOrEqual(30_000);
  });

  it('reads no Retry-After from a value that is neither delay-seconds nor an HTTP-date (no year 3600 from "3600.5")', async () => {
    for (const value of ['3600.5', '-5', '1.5', '5, 10', '0x10']) {
      answer('slow down', { status: 429, headers: { 'Retry-After': value } });
      const error = await requestToken({ tokenUrl: TOKEN_URL, grantType: 'x' }).catch((e: unknown) => e);
      expect(error, value).toBeInstanceOf(RateLimitError);
      expect((error as RateLimitError).retryAfter, value).toBeUndefined();
      expect((error as Error).message).toBe(`Token request was rate limited (HTTP 429) — POST ${TOKEN_URL}`);
    }
  });

  it('reads an overlong delay-seconds Retry-After (400 digits) as 2^31 s: finite in retryAfter, the message and JSON', async () => {
    answer('slow down', { status: 429, headers: { 'Retry-After': '9'.repeat(400) } });
    const error = (await requestToken({ tokenUrl: TOKEN_URL, grantType: 'x' }).catch(
      (e: unknown) => e,
    )) as RateLimitError;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.retryAfter).toBe(2 ** 31 * 1000);
    expect(error.message).toBe(
      `Token request was rate limited (HTTP 429, retry after 2147483648000 ms) — POST ${TOKEN_URL}`,
    );
    expect(JSON.parse(JSON.stringify(error)).retryAfter).toBe(2 ** 31 * 1000);
  });

  it('reads a far HTTP-date Retry-After (year 9999) as its delay, not capped at 2^31 s as delay-seconds are, and finite', async () => {
    const date = 'Fri, 31 Dec 9999 23:59:59 GMT';
    answer('slow down', { status: 429, headers: { 'Retry-After': date } });
    const before = Date.now();
    const error = (await requestToken({ tokenUrl: TOKEN_URL, grantType: 'x' }).catch(
      (e: unknown) => e,
    )) as RateLimitError;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.retryAfter).toBeGreaterThan(Date.parse(date) - Date.now() - 1);
    expect(error.retryAfter).toBeLessThanOrEqual(Date.parse(date) - before);
    expect(error.retryAfter).toBeGreaterThan(2 ** 31 * 1000);
    expect(JSON.parse(JSON.stringify(error)).retryAfter).toBe(error.retryAfter);
  });

  it('judges an answer whose body broke off by its status: a 503 is a transient HttpError, a 400 a final one, a 200 incomplete', async () => {
    const cutAfterHeaders = (status: number) =>
      server.use(
        http.post(TOKEN_URL, () => {
          const body = new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(new TextEncoder().encode('{"error":"server_'));
              controller.error(new TypeError('terminated'));
            },
          });
          return new HttpResponse(body, { status, headers: { 'Retry-After': '7' } });
        }),
      );
    const send = () => requestToken({ tokenUrl: TOKEN_URL, grantType: 'x' }).catch((e: unknown) => e);
    cutAfterHeaders(503);
    const down = await send();
    expect(down).toBeInstanceOf(HttpError);
    expect(down).toMatchObject({ status: 503, transient: true, retryAfter: 7_000 });
    cutAfterHeaders(400);
    expect(await send()).toMatchObject({ code: 'HTTP_ERROR', status: 400, transient: false });
    cutAfterHeaders(200);
    const ok = await send();
    expect(ok).toBeInstanceOf(MalformedResponseError);
    expect(ok).toMatchObject({ reason: 'incomplete', status: 200 });
    expect((ok as Error).message).toBe(
      `Token response is malformed: the body broke off (HTTP 200) — POST ${TOKEN_URL}`,
    );
    expect(isTransient(ok)).toBe(false);
  });

  it('throws NetworkError when no response arrives', async () => {
    server.use(http.post(TOKEN_URL, () => HttpResponse.error()));
    const error = await requestToken({ tokenUrl: TOKEN_URL, grantType: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(isTesseraError(error, 'NETWORK_ERROR')).toBe(true);
  });

  it('rejects with AbortError when the signal aborts', async () => {
    answer({ access_token: 'a' });
    const error = await requestToken({
      tokenUrl: TOKEN_URL,
      grantType: 'x',
      signal: AbortSignal.abort(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
  });
});

describe('server text in the message (decision 1106)', () => {
  it('quotes error and error_description with characters outside RFC 6749 replaced and at most 200 characters each; the fields keep them', async () => {
    const description = `expired\r\n[INFO] token refreshed \u202Egnp.exe ${'y'.repeat(100_000)}`;
    answer({ error: 'invalid_grant\u001b[31m', error_description: description }, { status: 400 });
    const error = await requestToken({ tokenUrl: TOKEN_URL, grantType: 'refresh_token' }).catch(
      (e: unknown) => e,
    );
    expect(isOAuthError(error, 'invalid_grant\u001b[31m')).toBe(true);
    expect((error as Error).message).toBe(
      `invalid_grant\uFFFD[31m: expired\uFFFD\uFFFD[INFO] token refreshed \uFFFDgnp.exe ${'y'.repeat(159)}… (HTTP 400) — POST https://auth.example.test/oauth/token`,
    );
    expect(error).toMatchObject({ errorDescription: description });
  });

  it('a character outside the set is replaced, never removed: an echoed secret split by one stays broken', async () => {
    const split = `${SECRET.slice(0, 8)}\u0000${SECRET.slice(8)}`;
    answer({ error: 'invalid_client', error_description: `bad secret ${split}` }, { status: 401 });
    const error = await requestToken({
      tokenUrl: TOKEN_URL,
      grantType: 'client_credentials',
      clientId: 'svc',
      clientSecret: SECRET,
    }).catch((e: unknown) => e);
    expect(isOAuthError(error, 'invalid_client')).toBe(true);
    expectNoSecrets(error, [SECRET]);
  });
});

describe('secrets', () => {
  it('never shows a secret, refresh token or password in errors, even when the server echoes them', async () => {
    const echo = `bad secret ${SECRET}, bad refresh ${REFRESH}, bad password hunter2`;
    answer({ error: 'invalid_client', error_description: echo }, { status: 401 });
    const errors = await Promise.all([
      requestToken({
        tokenUrl: TOKEN_URL,
        grantType: 'refresh_token',
        clientId: 'svc',
        clientSecret: SECRET,
        params: { refresh_token: REFRESH },
      }).catch((e: unknown) => e),
      passwordGrant(
        { tokenUrl: TOKEN_URL, clientId: 'web' },
        { username: 'alice', password: 'hunter2' },
      ).catch((e: unknown) => e),
    ]);
    for (const error of errors) expect(isOAuthError(error, 'invalid_client')).toBe(true);
    expectNoSecrets(errors[0], [SECRET, REFRESH]);
    expectNoSecrets(errors[1], ['hunter2']);
    expect((errors[0] as Error).message).toContain('bad secret [redacted], bad refresh [redacted]');
  });

  it('keeps the request out of a NetworkError cause', async () => {
    server.use(http.post(TOKEN_URL, () => HttpResponse.error()));
    const error = await requestToken({
      tokenUrl: TOKEN_URL,
      grantType: 'refresh_token',
      clientId: 'svc',
      clientSecret: SECRET,
      authMethod: 'client_secret_post',
      params: { refresh_token: REFRESH },
    }).catch((e: unknown) => e);
    expectNoSecrets(error, [SECRET, REFRESH]);
  });
});

describe('TokenManager with refreshTokenGrant over HTTP', () => {
  it('sends one refresh for 1,000 concurrent callers and rotates the refresh token', async () => {
    let issued = 0;
    server.use(
      http.post(TOKEN_URL, async ({ request }) => {
        const form = new URLSearchParams(await request.text());
        issued += 1;
        expect(form.get('refresh_token')).toBe('rt-0');
        return HttpResponse.json({
          access_token: `at-${issued}`,
          refresh_token: `rt-${issued}`,
          expires_in: 300,
        });
      }),
    );
    const tokens = new TokenManager({
      fetchTokens: refreshTokenGrant({ tokenUrl: TOKEN_URL, clientId: 'web' }),
    });
    await tokens.setTokens({ access_token: 'expired', refresh_token: 'rt-0', expires_in: 0 });
    const results = await Promise.all(Array.from({ length: 1000 }, () => tokens.getAccessToken()));
    expect(issued).toBe(1);
    expect(new Set(results)).toEqual(new Set(['at-1']));
    expect(tokens.peekTokens()?.refreshToken).toBe('rt-1');
    tokens.dispose();
  });
});
