import { inspect } from 'node:util';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NetworkError } from './errors/network-error.js';
import { OAuthError } from './errors/oauth-error.js';
import type { TokenEvent } from './events.js';
import { refreshTokenGrant } from './grants/refresh-token-grant.js';
import { revokeToken } from './revoke-token.js';
import { type ClientAuthMethod, requestToken } from './token-endpoint.js';
import { TokenManager } from './token-manager.js';

const TOKEN_URL = 'https://auth.example.test/oauth/token';
const CLIENT_ID = 'svc:bïlling';
/** Characters every encoding treats differently: `+`, space, `/`, `"`, `\`, `@`, non-ASCII. */
const SECRET = 'p@ss+wörd/ é"\\x%41';
const REFRESH = 'rt+/= refresh"token\\é';

const server = setupServer();
function failUnhandledRequest(request: Request): never {
  throw new Error(`No msw handler for ${request.method} ${new URL(request.url).pathname}`);
}
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
function utf8Base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
function lowerHex(text: string): string {
  return text.replace(/%[0-9A-F]{2}/g, (match) => match.toLowerCase());
}
/** Every other escape in lower case: `%C3%b6`. */
function mixedHex(text: string): string {
  let index = 0;
  return text.replace(/%[0-9A-F]{2}/g, (match) => (index++ % 2 ? match.toLowerCase() : match));
}

/** Every way the secret can be spelled in an echo, computed independently of the library. */
function spellings(secret: string): string[] {
  const percent = encodeURIComponent(secret);
  const form = formEncode(secret);
  const json = JSON.stringify(secret).slice(1, -1);
  return [
    secret,
    percent,
    lowerHex(percent),
    mixedHex(percent),
    form,
    lowerHex(form),
    form.replaceAll('+', '%20'),
    json,
    JSON.stringify(json).slice(1, -1),
  ];
}
const BASIC = [
  utf8Base64(`${formEncode(CLIENT_ID)}:${formEncode(SECRET)}`),
  utf8Base64(`${CLIENT_ID}:${SECRET}`),
];
const FORBIDDEN = [...spellings(SECRET), ...spellings(REFRESH), ...BASIC];

function renderings(value: unknown): string[] {
  const error = value as Error;
  return [
    String(value),
    JSON.stringify(value),
    inspect(value, { depth: 20 }),
    error.message ?? '',
    JSON.stringify((value as OAuthError).errorDescription ?? ''),
    String((value as OAuthError).errorDescription),
    String((value as OAuthError).errorUri),
  ];
}
function expectNoSecret(value: unknown): void {
  for (const text of renderings(value)) {
    for (const spelling of FORBIDDEN) expect(text, `leaked ${spelling}`).not.toContain(spelling);
  }
}

/** An authorization server that echoes the whole request (body and Authorization header) in every encoding. */
function echoingServer(url = TOKEN_URL): void {
  server.use(
    http.post(url, async ({ request }) => {
      const body = await request.text();
      const authorization = request.headers.get('authorization') ?? '';
      const fields = Object.fromEntries(new URLSearchParams(body));
      return HttpResponse.json(
        {
          error: 'invalid_client',
          error_description: [
            `body=${body}`,
            `lower=${lowerHex(body)}`,
            `spaces=${body.replaceAll('+', '%20')}`,
            `decoded=${JSON.stringify(fields)}`,
            `auth=${authorization}`,
            `basic=${authorization.replace(/^Basic /, '').replace(/=+$/, '')}`,
          ].join(' '),
          error_uri: `https://auth.example.test/errors?${body}#${authorization}`,
        },
        { status: 401 },
      );
    }),
  );
}

describe('no secret in any output, in any encoding', () => {
  it.each(['client_secret_basic', 'client_secret_post'] as ClientAuthMethod[])(
    'redacts an echo of the whole request from message, error_description and error_uri (%s)',
    async (authMethod) => {
      echoingServer();
      const error = await requestToken({
        tokenUrl: TOKEN_URL,
        grantType: 'refresh_token',
        clientId: CLIENT_ID,
        clientSecret: SECRET,
        authMethod,
        params: { refresh_token: REFRESH, scope: 'read write' },
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OAuthError);
      expectNoSecret(error);
      // What is not secret stays readable.
      expect((error as OAuthError).errorDescription).toContain('grant_type=refresh_token');
      expect((error as OAuthError).errorDescription).toContain('[redacted]');
    },
  );

  it('keeps secrets out of the events a TokenManager emits for a failed refresh', async () => {
    echoingServer();
    const events: TokenEvent[] = [];
    const tokens = new TokenManager({
      retry: false,
      fetchTokens: refreshTokenGrant({
        tokenUrl: TOKEN_URL,
        clientId: CLIENT_ID,
        clientSecret: SECRET,
        authMethod: 'client_secret_post',
      }),
    });
    tokens.subscribe((event) => events.push(event));
    await tokens.setTokens({ access_token: 'old', refresh_token: REFRESH, expires_in: 0 });
    const error = await tokens.getAccessToken().catch((e: unknown) => e);
    tokens.dispose();
    expectNoSecret(error);
    const failed = events.filter((event) => event.type === 'refresh_failed');
    expect(failed).toHaveLength(1);
    for (const event of events) {
      const text = inspect(event, { depth: 20 });
      for (const spelling of FORBIDDEN) expect(text).not.toContain(spelling);
    }
  });

  it('redacts the request from a NetworkError cause chain', async () => {
    const leakyFetch: typeof fetch = async (_url, init) => {
      const headers = init?.headers as Record<string, string>;
      throw new TypeError('fetch failed', {
        cause: Object.assign(
          new Error(`socket hang up while sending ${String(init?.body)} auth ${headers.Authorization}`, {
            cause: new Error(`inner ${decodeURIComponent(String(init?.body))}`),
          }),
          { code: 'ECONNRESET' },
        ),
      });
    };
    const error = await requestToken({
      tokenUrl: TOKEN_URL,
      grantType: 'refresh_token',
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      params: { refresh_token: REFRESH },
      fetch: leakyFetch,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toContain('(ECONNRESET)');
    expectNoSecret(error);
    expect(inspect(error, { depth: 20 })).toContain('socket hang up while sending grant_type=refresh_token');
  });

  it('strips user:password of any URL a transport error mentions (e.g. a proxy with credentials)', async () => {
    const proxyFetch: typeof fetch = async () => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(
          new Error('connect ECONNREFUSED via http://proxyuser:pr0xy-pass@proxy.internal:3128'),
          {
            code: 'ECONNREFUSED',
          },
        ),
      });
    };
    const error = await requestToken({ tokenUrl: TOKEN_URL, grantType: 'x', fetch: proxyFetch }).catch(
      (e: unknown) => e,
    );
    const text = inspect(error, { depth: 20 });
    expect(text).not.toContain('pr0xy-pass');
    expect(text).not.toContain('proxyuser');
    expect(text).toContain('via http://proxy.internal:3128');
  });

  it('strips the query of any URL a transport error mentions (node-fetch quotes the token URL, api key and all)', async () => {
    // node-fetch's FetchError: `request to ${url} failed, reason: ${message}` (decision 0407: a key in the query).
    const nodeFetch: typeof fetch = async (url) => {
      throw Object.assign(
        new Error(`request to ${String(url)} failed, reason: connect ECONNREFUSED 127.0.0.1:443`),
        { code: 'ECONNREFUSED' },
      );
    };
    const error = await requestToken({
      tokenUrl: `${TOKEN_URL}?api_key=k3y-in-the-query`,
      grantType: 'x',
      fetch: nodeFetch,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    const text = inspect(error, { depth: 20 });
    expect(text).not.toContain('k3y-in-the-query');
    expect(text).toContain(`request to ${TOKEN_URL} failed, reason: connect ECONNREFUSED 127.0.0.1:443`);
  });

  it('drops the query, fragment and user:password of every URL a transport error mentions, wherever it stands', async () => {
    const quoting: typeof fetch = async (url) => {
      throw new TypeError(
        `fetch failed (${String(url)}) ['http://u:pr0xy-pass@proxy.internal:3128/?k=a)b'] <${String(url)}#f>`,
      );
    };
    const error = await requestToken({
      tokenUrl: `${TOKEN_URL}?api_key=k3y-in-the-query`,
      grantType: 'x',
      fetch: quoting,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    const text = inspect(error, { depth: 20 });
    for (const secret of ['k3y-in-the-query', 'pr0xy-pass', 'k=a', '#f']) expect(text).not.toContain(secret);
    // What follows a URL up to the next space goes with its query (a closing bracket or quote included).
    expect(text).toContain(`fetch failed (${TOKEN_URL} ['http://proxy.internal:3128/ <${TOKEN_URL}`);
  });

  it("redacts the values of the token and revocation URLs' query a server echoes (decision 0407: a key in the query)", async () => {
    const key = 'k3y+in/the query';
    const echoUrl: Parameters<typeof http.post>[1] = ({ request }) => {
      const url = new URL(request.url);
      return HttpResponse.json(
        {
          error: 'invalid_client',
          error_description: `url=${request.url} key=${url.searchParams.get('api_key')} raw=${url.search}`,
        },
        { status: 401 },
      );
    };
    const revocationUrl = 'https://auth.example.test/oauth/revoke';
    server.use(http.post(TOKEN_URL, echoUrl), http.post(revocationUrl, echoUrl));
    const query = `?${new URLSearchParams({ api_key: key, tenant: 'acme-corp' })}`;
    const errors = [
      await requestToken({ tokenUrl: `${TOKEN_URL}${query}`, grantType: 'x' }).catch((e: unknown) => e),
      await revokeToken({ revocationUrl: `${revocationUrl}${query}`, token: REFRESH }).catch(
        (e: unknown) => e,
      ),
    ];
    for (const error of errors) {
      expect(error).toBeInstanceOf(OAuthError);
      expect((error as OAuthError).error).toBe('invalid_client');
      const text = [inspect(error, { depth: 20 }), JSON.stringify(error), String(error)].join('\n');
      for (const spelling of [...spellings(key), 'acme-corp']) expect(text).not.toContain(spelling);
      expect((error as Error).message).toContain('key=[redacted]');
    }
  });

  it("redacts a query value of 8 characters or more, not a short harmless one: `?format=json&v=1` keeps 'JSON' and '1' readable (decision 0407)", async () => {
    const key = 'k3y+in/8';
    const echo: Parameters<typeof http.post>[1] = ({ request }) =>
      HttpResponse.json(
        {
          error: 'invalid_request',
          error_description: `the body is not JSON (version 1 only); key=${new URL(request.url).searchParams.get('api_key')}`,
        },
        { status: 400 },
      );
    const revocationUrl = 'https://auth.example.test/oauth/revoke';
    server.use(http.post(TOKEN_URL, echo), http.post(revocationUrl, echo));
    const query = `?${new URLSearchParams({ format: 'json', v: '1', api_key: key })}`;
    const errors = [
      await requestToken({ tokenUrl: `${TOKEN_URL}${query}`, grantType: 'x' }).catch((e: unknown) => e),
      await revokeToken({ revocationUrl: `${revocationUrl}${query}`, token: REFRESH }).catch(
        (e: unknown) => e,
      ),
    ];
    for (const error of errors) {
      expect(error).toBeInstanceOf(OAuthError);
      expect((error as OAuthError).message).toContain(
        'the body is not JSON (version 1 only); key=[redacted]',
      );
    }
  });

  it('redacts the revoked token and the client secret from a revocation error', async () => {
    const revocationUrl = 'https://auth.example.test/oauth/revoke';
    echoingServer(revocationUrl);
    const error = await revokeToken({
      revocationUrl,
      token: REFRESH,
      clientId: CLIENT_ID,
      clientSecret: SECRET,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthError);
    expectNoSecret(error);
  });
});

describe('redaction of encodings a server may choose on its own', () => {
  /** An authorization server that echoes every form field (and the Basic header) through `render`. */
  function echoing(url: string, render: (value: string) => string): void {
    server.use(
      http.post(url, async ({ request }) => {
        const fields = [...new URLSearchParams(await request.text())];
        return HttpResponse.json(
          {
            error: 'invalid_request',
            error_description: fields.map(([name, value]) => `${name}=${render(value)}`).join(' '),
          },
          { status: 400 },
        );
      }),
    );
  }
  const base64Forms = (value: string): string[] => {
    const padded = utf8Base64(value);
    return [padded, padded.replace(/=+$/, ''), Buffer.from(value, 'utf8').toString('base64url')];
  };
  /** JSON with every non-ASCII character escaped (`\u00e4`), as ASCII-only JSON encoders write it. */
  const asciiJson = (value: string, upper = false): string =>
    JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => {
      const hex = c.charCodeAt(0).toString(16).padStart(4, '0');
      return `\\u${upper ? hex.toUpperCase() : hex}`;
    });

  it('redacts the Base64 and base64url of a refresh token, password, revoked token and client secret', async () => {
    // Chosen so the Base64 has one and two `=` and a `+` (base64url: `-`), and the padded form differs.
    const secrets = {
      refresh: 'refresh?>token~value',
      password: 'pässwörd?>~value-123',
      client: 'client?>secret~value-0',
    };
    echoing(TOKEN_URL, (value) => base64Forms(value).join(' '));
    const refused = [
      await requestToken({
        tokenUrl: TOKEN_URL,
        grantType: 'refresh_token',
        clientId: 'svc',
        clientSecret: secrets.client,
        authMethod: 'client_secret_post',
        params: { refresh_token: secrets.refresh },
      }).catch((e: unknown) => e),
      await requestToken({
        tokenUrl: TOKEN_URL,
        grantType: 'password',
        params: { username: 'alice', password: secrets.password },
      }).catch((e: unknown) => e),
    ];
    const revocationUrl = 'https://auth.example.test/oauth/revoke';
    echoing(revocationUrl, (value) => base64Forms(value).join(' '));
    refused.push(await revokeToken({ revocationUrl, token: secrets.refresh }).catch((e: unknown) => e));

    const forbidden = Object.values(secrets).flatMap(base64Forms);
    for (const error of refused) {
      expect(error).toBeInstanceOf(OAuthError);
      for (const text of renderings(error)) {
        for (const form of forbidden) expect(text, `leaked ${form}`).not.toContain(form);
      }
    }
    // What is not secret stays readable: the username's Base64.
    expect((refused[1] as OAuthError).errorDescription).toContain(`username=${utf8Base64('alice')}`);
  });

  it('redacts a non-ASCII secret a server escaped to ASCII in JSON (\\u00e4, either hex case)', async () => {
    const passwords = ['pässwörd-123', 'ünïcødé € sécret', 'key-🔑-value'];
    echoing(TOKEN_URL, (value) => `${asciiJson(value)} ${asciiJson(value, true)}`);
    for (const password of passwords) {
      const error = await requestToken({
        tokenUrl: TOKEN_URL,
        grantType: 'password',
        params: { password },
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OAuthError);
      for (const text of renderings(error)) {
        expect(text).not.toContain(asciiJson(password).slice(1, -1));
        expect(text).not.toContain(asciiJson(password, true).slice(1, -1));
      }
      expect((error as OAuthError).errorDescription).toBe(
        'grant_type="password" "password" password="[redacted]" "[redacted]"',
      );
    }
  });

  it("redacts a secret a server percent-encoded as Python, Go or PHP do: * ! ' ( ) escaped, ~ either way", async () => {
    // RFC 3986 strict (Python `quote(safe='')`, PHP `rawurlencode`), with `+` for spaces (Go
    // `url.QueryEscape`, Python `quote_plus`), and with `~` escaped too (PHP `urlencode`).
    const strict = (value: string): string =>
      encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const encoders = [
      strict,
      (value: string) => strict(value).replaceAll('%20', '+'),
      (value: string) => strict(value).replaceAll('%20', '+').replaceAll('~', '%7E'),
    ];
    // With `*`; and with `~` beside `!`, which no encoding looked for spelled both ways.
    const secrets = { client: "client*secret!(v1)~x y'", refresh: 'refresh*token(~)', key: 'Az~ure!key' };
    for (const encode of encoders) {
      echoing(TOKEN_URL, encode);
      const error = await requestToken({
        tokenUrl: TOKEN_URL,
        grantType: 'refresh_token',
        clientId: 'svc',
        clientSecret: secrets.client,
        authMethod: 'client_secret_post',
        params: { refresh_token: secrets.refresh, api_key: secrets.key },
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OAuthError);
      for (const text of renderings(error)) {
        for (const secret of Object.values(secrets))
          expect(text, `leaked ${encode(secret)}`).not.toContain(encode(secret));
      }
      expect((error as OAuthError).errorDescription).toBe(
        'grant_type=refresh_token refresh_token=[redacted] api_key=[redacted] client_id=svc client_secret=[redacted]',
      );
    }
  });

  it('redacts a secret of 1–3 characters where it stands alone, and leaves words that merely contain it', async () => {
    server.use(
      http.post(TOKEN_URL, () =>
        HttpResponse.json(
          {
            error: 'invalid_grant',
            error_description:
              'password=pw, you sent "pw" (pw) - pwd, upw and äpw are other words; a is a letter',
          },
          { status: 400 },
        ),
      ),
    );
    const short = await requestToken({
      tokenUrl: TOKEN_URL,
      grantType: 'password',
      params: { username: 'alice', password: 'pw' },
    }).catch((e: unknown) => e);
    expect((short as OAuthError).errorDescription).toBe(
      'password=[redacted], you sent "[redacted]" ([redacted]) - pwd, upw and äpw are other words; a is a letter',
    );
    const single = await requestToken({
      tokenUrl: TOKEN_URL,
      grantType: 'password',
      params: { username: 'alice', password: 'a' },
    }).catch((e: unknown) => e);
    expect((single as OAuthError).errorDescription).toBe(
      'password=pw, you sent "pw" (pw) - pwd, upw and äpw are other words; [redacted] is [redacted] letter',
    );
  });

  it('redacts a refresh token and a revoked token of 64 KiB in every encoding, with the OAuth error intact', async () => {
    // Long secrets once made the redaction pattern too large for V8: a SyntaxError quoting it all.
    const refresh = 'Rt+/ é~'.repeat(9363).slice(0, 65_536);
    const client = 'client?>secret~value-0';
    const forms = (value: string): string[] => [value, mixedHex(formEncode(value)), ...base64Forms(value)];
    echoing(TOKEN_URL, (value) => forms(value).join(' '));
    const refused = await requestToken({
      tokenUrl: TOKEN_URL,
      grantType: 'refresh_token',
      clientId: 'svc',
      clientSecret: client,
      authMethod: 'client_secret_post',
      params: { refresh_token: refresh },
    }).catch((e: unknown) => e);
    const revocationUrl = 'https://auth.example.test/oauth/revoke';
    echoing(revocationUrl, (value) => forms(value).join(' '));
    const revocation = await revokeToken({ revocationUrl, token: refresh }).catch((e: unknown) => e);

    for (const error of [refused, revocation]) {
      expect(error).toBeInstanceOf(OAuthError);
      expect((error as OAuthError).error).toBe('invalid_request');
      for (const text of renderings(error)) {
        for (const form of forms(refresh)) expect(text).not.toContain(form.slice(0, 32));
      }
    }
    const redacted = Array(5).fill('[redacted]').join(' ');
    expect((refused as OAuthError).errorDescription).toBe(
      `grant_type=${forms('refresh_token').join(' ')} refresh_token=${redacted} client_id=${forms('svc').join(' ')} client_secret=${redacted}`,
    );
    // CPU-bound (every rendering searched for every encoding of 64 KiB): 0.9 s alone, over vitest's 5 s
    // default on a loaded 2-core CI machine. A time limit, not a wait.
  }, 30_000);

  it('redacts an answer of nearly 1 MiB echoing the refresh token 60,000 times in linear time', async () => {
    const refresh = 'rt-0123456789abc';
    const times = 60_000;
    server.use(
      http.post(TOKEN_URL, () =>
        HttpResponse.json(
          { error: 'invalid_grant', error_description: `${refresh} `.repeat(times) },
          { status: 400 },
        ),
      ),
    );
    const started = performance.now();
    const error = await requestToken({
      tokenUrl: TOKEN_URL,
      grantType: 'refresh_token',
      params: { refresh_token: refresh },
    }).catch((e: unknown) => e);
    // Rescanning the whole text after each occurrence took minutes; one pass per encoding takes
    // milliseconds. The bound sits between: far from what a loaded machine needs for linear work.
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(error).toBeInstanceOf(OAuthError);
    expect((error as OAuthError).errorDescription).toBe('[redacted] '.repeat(times));
  }, 30_000);
});
