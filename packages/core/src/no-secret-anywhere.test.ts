import { inspect } from 'node:util';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TokenEvent } from './events.js';
import { refreshTokenGrant } from './grants/refresh-token-grant.js';
import { revokeToken } from './revoke-token.js';
import { createSignIn } from './sign-in/create-sign-in.js';
import type { TokenStorage } from './storage/token-storage.js';
import { type ClientAuthMethod, requestToken } from './token-endpoint.js';
import { TokenManager } from './token-manager.js';
import type { TokenSet } from './token-set.js';

/**
 * An attacker's audit of every output channel: each failure a token, revocation or storage call can meet
 * (an OAuth error echoing the request, an HTML error page, a redirect, a transport error quoting the body,
 * a timeout), every error and event collected and rendered every way an app logs them, and no secret found
 * in any spelling a server or a transport could choose. See `redaction.test.ts` for the encodings one by one.
 */

const TOKEN_URL = 'https://auth.example.test/oauth/token';
const REVOKE_URL = 'https://auth.example.test/oauth/revoke';
const CLIENT_ID = 'svc:bïlling/ä+b';
/** Distinctive: `+`, `/`, `=`, `%`, space, quote, backslash and non-ASCII, so every encoding differs. */
const SECRETS = {
  clientSecret: 'cs+/=%41 sëcret"\\Ω-client',
  refreshToken: 'rt+/=%2F refrésh\\"token-ß',
  code: 'code+/=%3D authz-ćode',
  codeVerifier: 'pkce~verifier+/=%7E-ünïcode',
  assertion: 'eyJhbGciOi+/=.assertïon%sig',
  password: 'pa ss+/=%wörd"',
  revoked: 'at+/=%20 access-token"\\x',
} as const;

const server = setupServer();
beforeAll(() =>
  server.listen({
    onUnhandledRequest: (request) => {
      throw new Error(`No msw handler for ${request.method} ${request.url}`);
    },
  }),
);
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
function base64(text: string): string[] {
  const padded = Buffer.from(text, 'utf8').toString('base64');
  const unpadded = padded.replace(/=+$/, '');
  return [padded, unpadded, unpadded.replaceAll('+', '-').replaceAll('/', '_')];
}
/** Every spelling of `secret` an echo may use, computed independently of the library. */
function spellings(secret: string): string[] {
  const percent = encodeURIComponent(secret);
  const form = formEncode(secret);
  const lower = (text: string) => text.replace(/%[0-9A-F]{2}/g, (match) => match.toLowerCase());
  const plain = [secret, percent, lower(percent), form, lower(form), form.replaceAll('+', '%20')];
  const json = plain.flatMap((text) => {
    const escaped = JSON.stringify(text).slice(1, -1);
    const ascii = escaped.replace(
      /[^\0-\x7f]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    return [escaped, escaped.replaceAll('/', '\\/'), ascii, ascii.toUpperCase().replaceAll('\\U', '\\u')];
  });
  return [...plain, ...json, ...base64(secret)];
}
const FORBIDDEN = [
  ...Object.values(SECRETS).flatMap(spellings),
  ...base64(`${CLIENT_ID}:${SECRETS.clientSecret}`),
  ...base64(`${formEncode(CLIENT_ID)}:${formEncode(SECRETS.clientSecret)}`),
];
/** Long enough to be a secret's piece, not a common word: what survives a cut or a line break. */
const FRAGMENTS = Object.values(SECRETS)
  .flatMap(spellings)
  .filter((spelling) => spelling.length >= 16)
  .map((spelling) => spelling.slice(2, 14));

/** Every way an app renders what it was handed: message, cause chain, JSON, inspect, stack, String. */
function renderings(value: unknown): string[] {
  const out: string[] = [String(value), inspect(value, { depth: 20, showHidden: true })];
  try {
    out.push(JSON.stringify(value) ?? '');
  } catch {
    // A cycle: inspect covers it.
  }
  let error: unknown = value;
  for (let depth = 0; error instanceof Error && depth < 10; depth++, error = error.cause) {
    out.push(error.message, error.stack ?? '', String(error.name));
    const json = (error as { toJSON?: () => unknown }).toJSON?.();
    out.push(JSON.stringify(json) ?? '');
    for (const field of Object.values(error)) out.push(typeof field === 'string' ? field : inspect(field));
  }
  if (value && typeof value === 'object' && !(value instanceof Error)) {
    for (const field of Object.values(value)) out.push(...renderings(field));
  }
  return out;
}
function expectNoSecret(value: unknown, what: string): void {
  for (const text of renderings(value)) {
    // Also with line breaks and the U+FFFD a quoted line break becomes taken out: a secret split across lines.
    const joined = text.replace(/\r?\n|\\r|\\n|\uFFFD/g, '');
    for (const spelling of FORBIDDEN) {
      expect(text.includes(spelling) || joined.includes(spelling), `${what} leaked ${spelling}`).toBe(false);
    }
    for (const fragment of FRAGMENTS)
      expect(text, `${what} leaked a piece: ${fragment}`).not.toContain(fragment);
  }
}

/** What an echoing server puts back: the body and Authorization header in every encoding, wrapped too. */
async function echoOf(request: Request): Promise<string> {
  const body = await request.text();
  const authorization = request.headers.get('authorization') ?? '';
  const decoded = Object.fromEntries(new URLSearchParams(body));
  const basic = authorization.replace(/^Basic /, '');
  return [
    `body=${body}`,
    `lower=${body.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())}`,
    `spaces=${body.replaceAll('+', '%20')}`,
    `decoded=${JSON.stringify(decoded)}`,
    `ascii=${JSON.stringify(decoded).replace(/[^\0-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}`,
    `slashes=${JSON.stringify(decoded).replaceAll('/', '\\/')}`,
    `auth=${authorization}`,
    `basic=${Buffer.from(basic, 'base64').toString('utf8')}`,
    `b64=${Object.values(decoded)
      .flatMap((v) => base64(v))
      .join(',')}`,
  ].join(' ');
}

type Fetch = typeof globalThis.fetch;
type Answer = (request: Request) => Promise<Response> | Response;
const ANSWERS: Record<string, Answer> = {
  'a 400 OAuth error echoing the request in error_description and error_uri': async (request) => {
    const echo = await echoOf(request);
    return HttpResponse.json(
      { error: 'invalid_grant', error_description: echo, error_uri: `https://auth.example.test/e?${echo}` },
      { status: 400 },
    );
  },
  'a 401 invalid_client echoing it in the error code itself': async (request) =>
    HttpResponse.json({ error: `invalid_client ${await echoOf(request)}` }, { status: 401 }),
  'a 500 HTML page echoing the request': async (request) => {
    const echo = await echoOf(request);
    return new HttpResponse(`<html><body><pre>${echo}</pre></body></html>`, {
      status: 500,
      headers: { 'Content-Type': 'text/html', 'X-Debug': encodeURIComponent(echo) },
    });
  },
  'a 200 OAuth error whose description breaks lines mid-echo': async (request) => {
    const echo = await echoOf(request);
    return HttpResponse.json({ error: 'server_error', error_description: echo.replaceAll(' ', '\n ') });
  },
  'a 400 whose description is wrapped every 40 characters, mid-secret (CRLF, as MIME Base64)': async (
    request,
  ) => {
    const echo = await echoOf(request);
    return HttpResponse.json(
      { error: 'invalid_request', error_description: echo.replace(/(.{40})/g, '$1\r\n') },
      { status: 400 },
    );
  },
  'a 200 without an access token, echoing the request': async (request) =>
    HttpResponse.json({ token_type: 'Bearer', debug: await echoOf(request) }),
  'a 302 to a URL quoting the request': async (request) =>
    new HttpResponse(null, {
      status: 302,
      headers: { Location: `https://login.example.test/?${encodeURIComponent(await echoOf(request))}` },
    }),
  'a 429 with Retry-After, echoing the request': async (request) =>
    new HttpResponse(await echoOf(request), { status: 429, headers: { 'Retry-After': '1' } }),
};

/** A transport that fails as node-fetch, undici or a proxy would, quoting what it was sending. */
function leakyFetch(kind: 'network' | 'timeout'): typeof fetch {
  return (async (url: string, init?: RequestInit) => {
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const body = String(init?.body ?? '');
    if (kind === 'timeout') {
      return new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () =>
          reject(new Error(`aborted while sending ${body} to ${url} with ${headers.Authorization}`)),
        );
      });
    }
    throw new TypeError(`request to ${url}?${body} failed`, {
      cause: Object.assign(
        new Error(`socket hang up: ${body}\n${decodeURIComponent(body)} ${headers.Authorization ?? ''}`, {
          cause: new Error(`inner: ${JSON.stringify(Object.fromEntries(new URLSearchParams(body)))}`),
        }),
        { code: 'ECONNRESET' },
      ),
    });
  }) as typeof fetch;
}

/** Every request the SDK sends carrying a secret. */
const REQUESTS: Record<string, (transport?: Fetch) => Promise<unknown>> = Object.fromEntries(
  (['client_secret_basic', 'client_secret_post'] as ClientAuthMethod[]).flatMap((authMethod) => [
    [
      `refresh_token (${authMethod})`,
      (transport?: Fetch) =>
        requestToken({
          tokenUrl: TOKEN_URL,
          grantType: 'refresh_token',
          clientId: CLIENT_ID,
          clientSecret: SECRETS.clientSecret,
          authMethod,
          params: { refresh_token: SECRETS.refreshToken, scope: 'read write' },
          fetch: transport,
          timeout: transport ? 20 : undefined,
        }),
    ],
    [
      `authorization_code + PKCE (${authMethod})`,
      (transport?: Fetch) =>
        requestToken({
          tokenUrl: TOKEN_URL,
          grantType: 'authorization_code',
          clientId: CLIENT_ID,
          clientSecret: SECRETS.clientSecret,
          authMethod,
          params: {
            code: SECRETS.code,
            code_verifier: SECRETS.codeVerifier,
            redirect_uri: 'https://app.example.test/cb',
          },
          fetch: transport,
          timeout: transport ? 20 : undefined,
        }),
    ],
    [
      `revocation (${authMethod})`,
      (transport?: Fetch) =>
        revokeToken({
          revocationUrl: REVOKE_URL,
          token: SECRETS.revoked,
          clientId: CLIENT_ID,
          clientSecret: SECRETS.clientSecret,
          authMethod,
          fetch: transport,
          timeout: transport ? 20 : undefined,
        }),
    ],
  ]),
);
REQUESTS['private_key_jwt client assertion'] = (transport) =>
  requestToken({
    tokenUrl: TOKEN_URL,
    grantType: 'client_credentials',
    clientId: CLIENT_ID,
    params: {
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: SECRETS.assertion,
    },
    fetch: transport,
    timeout: transport ? 20 : undefined,
  });
REQUESTS['password grant'] = (transport) =>
  requestToken({
    tokenUrl: TOKEN_URL,
    grantType: 'password',
    clientId: CLIENT_ID,
    params: { username: 'alice', password: SECRETS.password },
    fetch: transport,
    timeout: transport ? 20 : undefined,
  });

describe('no secret in any error, event or log, in any encoding', () => {
  for (const [request, send] of Object.entries(REQUESTS)) {
    it.each(Object.keys(ANSWERS))(`${request}: %s`, async (answer) => {
      const respond = ANSWERS[answer] as Answer;
      let answered = 0;
      const handler = ({ request }: { request: Request }) => {
        answered += 1;
        return respond(request);
      };
      server.use(http.post(TOKEN_URL, handler), http.post(REVOKE_URL, handler));
      const error = await send().then(
        () => undefined,
        (e: unknown) => e,
      );
      // A revocation endpoint's 200 is a success (RFC 7009): nothing to render.
      if (!(request.startsWith('revocation') && answer.startsWith('a 200')))
        expect(error).toBeInstanceOf(Error);
      expect(answered).toBe(1);
      // The answer was read, not lost to a broken handler (msw's own 500 would pass for anything).
      expect(inspect(error)).not.toContain('Unhandled exception');
      expectNoSecret(error, `${request} / ${answer}`);
    });

    it.each(['network', 'timeout'] as const)(`${request}: a %s error quoting the request`, async (kind) => {
      // The 20 ms timeout passes on fake timers: nothing waits.
      vi.useFakeTimers();
      const sent = send(leakyFetch(kind)).catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(20);
      vi.useRealTimers();
      const error = await sent;
      expect(error).toBeInstanceOf(Error);
      expectNoSecret(error, `${request} / ${kind}`);
    });
  }

  it('keeps every TokenManager event and console line free of secrets through failures and storage errors', async () => {
    const logged: unknown[] = [];
    const original = { error: console.error, warn: console.warn, log: console.log, info: console.info };
    for (const name of ['error', 'warn', 'log', 'info'] as const)
      console[name] = (...args) => logged.push(args);
    try {
      const events: TokenEvent[] = [];
      const errors: unknown[] = [];
      // A manager per answer: one refresh each, no cool-down or Retry-After wait between them.
      for (const answer of Object.values(ANSWERS)) {
        server.use(http.post(TOKEN_URL, ({ request }) => answer(request)));
        const tokens = new TokenManager({
          retry: false,
          fetchTokens: refreshTokenGrant({
            tokenUrl: TOKEN_URL,
            clientId: CLIENT_ID,
            clientSecret: SECRETS.clientSecret,
            authMethod: 'client_secret_post',
          }),
        });
        // Events that carry a token set (`tokens_set`, `loaded`) hand the app its tokens on purpose: only the
        // failure events are rendered; a listener that throws is logged (console.error), which must not leak either.
        tokens.subscribe((event) => {
          events.push(event);
          if (event.type === 'refresh_failed') throw event.error;
        });
        await tokens.setTokens({
          access_token: SECRETS.revoked,
          refresh_token: SECRETS.refreshToken,
          expires_in: 0,
        });
        errors.push(await tokens.getAccessToken().catch((e: unknown) => e));
        tokens.dispose();
      }
      const failures = events.filter((event) => !('tokens' in event));
      expect(events.filter((event) => event.type === 'refresh_failed')).toHaveLength(
        Object.keys(ANSWERS).length,
      );
      for (const error of errors) expectNoSecret(error, 'getAccessToken()');
      for (const event of failures) expectNoSecret(event, `event ${event.type}`);
      expect(logged.length).toBeGreaterThan(0);
      for (const line of logged) expectNoSecret(line, 'console');
    } finally {
      Object.assign(console, original);
    }
  }, 30_000); // CPU-bound (every answer × every encoding): 1.8 s alone, 8 s on a loaded CI machine

  it('redacts a storage error that quotes the set it was handed, in storage_error and the console', async () => {
    const logged: unknown[] = [];
    const original = console.error;
    console.error = (...args) => logged.push(args);
    try {
      const events: TokenEvent[] = [];
      // An app's storage whose error quotes what it was given: as JSON, and down the cause chain each token
      // in every spelling checked here.
      const quoting: TokenStorage = {
        get: () => undefined,
        set: (set) => {
          const spelled = [set.accessToken, set.refreshToken ?? '', set.idToken ?? ''].flatMap(spellings);
          throw new Error(`cannot write ${JSON.stringify(set)}`, {
            cause: new Error(`driver: ${spelled.join(' ')}`, { cause: new Error(spelled.join('\n')) }),
          });
        },
        remove: () => {},
      };
      const tokens = new TokenManager({
        fetchTokens: async () => ({ access_token: 'x', expires_in: 60 }),
        storage: quoting,
      });
      tokens.subscribe((event) => {
        events.push(event);
        // A listener that throws it is logged: that line must not leak either.
        if (event.type === 'storage_error') throw event.error;
      });
      await tokens.setTokens({
        access_token: SECRETS.revoked,
        refresh_token: SECRETS.refreshToken,
        id_token: SECRETS.code,
        expires_in: 60,
      });
      tokens.dispose();
      const storageErrors = events.filter((event) => event.type === 'storage_error');
      expect(storageErrors.map((event) => event.operation)).toEqual(['set']);
      // Still the storage's own message, with the tokens taken out.
      expect(storageErrors[0]).toMatchObject({
        error: { message: expect.stringMatching(/^cannot write .*\[redacted\]/) },
      });
      for (const event of storageErrors) expectNoSecret(event, 'storage_error');
      expect(logged).toHaveLength(1);
      for (const line of logged) expectNoSecret(line, 'console');
    } finally {
      console.error = original;
    }
  });

  it.each(['an Error with a cause chain', 'a string', 'a plain object'] as const)(
    'redacts %s that a storage throws quoting the set clear() removed, from remove and a later set',
    async (kind) => {
      const logged: unknown[] = [];
      const original = console.error;
      console.error = (...args) => logged.push(args);
      try {
        const events: TokenEvent[] = [];
        // What the storage threw: its message, and each token of the set it quotes in every spelling checked here.
        const thrown = (text: string, set: TokenSet): unknown => {
          const spelled = [set.accessToken, set.refreshToken ?? '', set.idToken ?? ''].flatMap(spellings);
          if (kind === 'a string') return `${text} ${spelled.join(' ')}`;
          if (kind === 'a plain object') return { message: text, set, spelled };
          return new Error(text, {
            cause: new Error(`driver: ${spelled.join(' ')}`, { cause: new Error(spelled.join('\n')) }),
          });
        };
        // An app's storage that cannot remove, nor overwrite, the set it holds, and says which.
        let held: TokenSet | undefined;
        const quoting: TokenStorage = {
          get: () => held,
          set: (set) => {
            if (held) throw thrown(`cannot replace ${JSON.stringify(held)}`, held);
            held = set;
          },
          remove: () => {
            if (held) throw thrown(`cannot remove ${JSON.stringify(held)}`, held);
          },
        };
        const tokens = new TokenManager({
          fetchTokens: async () => ({ access_token: 'x', expires_in: 60 }),
          storage: quoting,
        });
        tokens.subscribe((event) => {
          events.push(event);
          // A listener that throws it is logged: that line must not leak either.
          if (event.type === 'storage_error') throw event.error;
        });
        await tokens.setTokens({
          access_token: SECRETS.revoked,
          refresh_token: SECRETS.refreshToken,
          id_token: SECRETS.code,
          expires_in: 60,
        });
        await tokens.clear();
        // Storage still holds the cleared set: the next write's error quotes it too.
        await tokens.setTokens({ access_token: 'at-2', refresh_token: 'rt-2', expires_in: 60 });
        tokens.dispose();
        const storageErrors = events.filter((event) => event.type === 'storage_error');
        expect(storageErrors.map((event) => event.operation)).toEqual(['remove', 'set']);
        // Still the storage's own message, with the tokens taken out.
        expect(storageErrors[0]).toMatchObject({
          error: { message: expect.stringMatching(/cannot remove .*\[redacted\]/) },
        });
        for (const event of storageErrors) expectNoSecret(event, 'storage_error');
        expect(logged).toHaveLength(2);
        for (const line of logged) expectNoSecret(line, 'console');
      } finally {
        console.error = original;
      }
    },
  );

  it('reports a storage that fails without handing its contents on to storage_error', async () => {
    const events: TokenEvent[] = [];
    const failing: TokenStorage = {
      // What a web storage hands on for a value that is not JSON: the raw string.
      get: () => `not json: {"access_token":"${SECRETS.revoked}","refresh_token":"${SECRETS.refreshToken}"`,
      set: () => {
        throw new Error('QuotaExceededError: the quota has been exceeded');
      },
      remove: () => {
        throw new Error('SecurityError: storage disabled');
      },
    };
    const tokens = new TokenManager({
      fetchTokens: async () => ({ access_token: 'x', expires_in: 60 }),
      storage: failing,
    });
    tokens.subscribe((event) => events.push(event));
    await tokens.ready();
    await tokens.setTokens({
      access_token: SECRETS.revoked,
      refresh_token: SECRETS.refreshToken,
      expires_in: 60,
    });
    await tokens.clear();
    tokens.dispose();
    const storageErrors = events.filter((event) => event.type === 'storage_error');
    expect(storageErrors.map((event) => event.operation)).toEqual(['get', 'set', 'remove']);
    for (const event of storageErrors) expectNoSecret(event, 'storage_error');
  });
});

describe('sign-in: no PKCE verifier in the error of a transaction storage that quotes what it was given', () => {
  it('start() with a storage failing with messages (and a cause chain) quoting the transaction in several encodings', async () => {
    const issuer = 'https://auth.example.test';
    server.use(
      http.get(`${issuer}/.well-known/oauth-authorization-server`, () =>
        HttpResponse.json({
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: TOKEN_URL,
        }),
      ),
    );
    const written: string[] = [];
    const entries = new Map<string, string>();
    const storage = {
      get length() {
        return entries.size;
      },
      key: (index: number) => [...entries.keys()][index] ?? null,
      getItem: (key: string) => entries.get(key) ?? null,
      removeItem: (key: string) => void entries.delete(key),
      setItem(key: string, value: string) {
        written.push(value);
        const quoted = [
          value,
          encodeURIComponent(value),
          JSON.stringify(value),
          value.replace(/(.{20})/g, '$1\n'),
        ];
        throw Object.assign(new Error(`QuotaExceededError writing ${key}: ${quoted.join(' | ')}`), {
          code: 'QUOTA',
          cause: new Error(`inner: ${JSON.stringify({ key, value })}`),
        });
      },
    };
    const signIn = createSignIn({
      issuer,
      clientId: CLIENT_ID,
      redirectUri: 'https://app.example.test/cb',
      transactionStorage: storage,
      navigate: () => {},
    });
    const error = await signIn.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'SIGN_IN_FAILED', cause: { code: 'QUOTA' } });
    const { verifier } = JSON.parse(written[0] ?? '{}') as { verifier: string };
    expect(verifier).toMatch(/^[\w-]{43}$/);
    for (const text of renderings(error)) {
      const joined = text.replace(/\r?\n|\\r|\\n/g, '');
      for (const spelling of spellings(verifier)) {
        expect(text.includes(spelling) || joined.includes(spelling), `leaked ${spelling}`).toBe(false);
      }
    }
  });
});
