import { inspect } from 'node:util';
import { runInNewContext } from 'node:vm';
import {
  DisposedError,
  HttpError,
  isOAuthError,
  MalformedResponseError,
  memoryStorage,
  OAuthError,
  TimeoutError,
  TokenManager,
  type TokenStorage,
} from '@tessera/core';
import { failUnhandledRequest } from '@tessera/testing';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  deferred,
  expectNoSecrets,
  issueToken,
  SECRET,
  TOKEN_URL,
  targetOf,
  tokenEndpoint,
} from '../test/msw-token-endpoint.js';
import { type ClientCredentials, clientCredentials } from './client-credentials.js';
import type { ClientCredentialsOptions, TokenTarget } from './client-credentials-options.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  for (const client of clients.splice(0)) client.dispose();
  vi.useRealTimers();
});
afterAll(() => server.close());

const clients: ClientCredentials[] = [];
function client(options: Partial<ClientCredentialsOptions> = {}): ClientCredentials {
  const created = clientCredentials({
    tokenUrl: TOKEN_URL,
    clientId: 'billing',
    clientSecret: SECRET,
    retry: false,
    ...options,
  } as ClientCredentialsOptions);
  clients.push(created);
  return created;
}

describe('one token per target', () => {
  it('is a composition, not a TokenManager: it serves the configured target and has no setTokens or clear', async () => {
    const seen = tokenEndpoint(server);
    const credentials = client({ scope: 'read', audience: 'https://api.example.test' });

    expect(credentials).not.toBeInstanceOf(TokenManager);
    for (const member of ['setTokens', 'clear', 'invalidate', 'peekTokens']) {
      expect(member in credentials, member).toBe(false);
    }
    expect(await credentials.getAccessToken()).toBe('at-1');
    expect(await credentials.for().getAccessToken()).toBe('at-1');
    expect(credentials.for()).toBeInstanceOf(TokenManager);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.form.get('grant_type')).toBe('client_credentials');
    expect(seen[0]?.form.get('scope')).toBe('read');
    expect(seen[0]?.form.get('audience')).toBe('https://api.example.test');
  });

  it('sends a resource or audience exactly as given: one differing in letter case is another target, as servers compare it', async () => {
    // oidc-provider hands the raw resource string to getResourceServerInfo and puts it in `aud`; Auth0
    // and others match an audience as a string. Sharing one token would give one caller another's `aud`.
    const seen = tokenEndpoint(server);
    const credentials = client();
    await credentials.for({ resource: 'HTTPS://API.example.com/' }).getAccessToken();
    await credentials.for({ resource: 'https://api.example.com/' }).getAccessToken();
    expect(seen.map(targetOf)).toEqual(['||HTTPS://API.example.com/', '||https://api.example.com/']);
  });

  it("tells the configured target's events to subscribe()", async () => {
    tokenEndpoint(server);
    const credentials = client();
    const types: string[] = [];
    const unsubscribe = credentials.subscribe((event) => types.push(event.type));
    await credentials.getAccessToken();
    unsubscribe();
    await credentials.for({ audience: 'other' }).getAccessToken();
    expect(types).toContain('refreshed');
    expect(types.filter((type) => type === 'refreshed')).toHaveLength(1);
  });

  it('rejects a misspelled target key with a "did you mean"', () => {
    const credentials = client();
    expect(() => credentials.for({ scopes: 'read' } as never)).toThrow(
      new TypeError('clientCredentials.for: unknown option "scopes" — did you mean "scope"?'),
    );
    expect(() => credentials.for({ audiance: 'x' } as never)).toThrow(/did you mean "audience"\?/);
    expect(() => credentials.for('read' as never)).toThrow(TypeError);
  });

  it('returns the same manager for the same target, whatever the scope order or duplicates', () => {
    const credentials = client();
    const first = credentials.for({
      scope: 'orders:write orders:read',
      resource: ['https://b.test', 'https://a.test'],
    });

    expect(
      credentials.for({
        scope: ['orders:read', 'orders:write', 'orders:read'],
        resource: ['https://a.test', 'https://b.test'],
      }),
    ).toBe(first);
    expect(
      credentials.for({
        scope: '  orders:read\torders:write ',
        resource: ['https://b.test', 'https://a.test', 'https://a.test'],
      }),
    ).toBe(first);
    expect(credentials.for({ scope: 'orders:read' })).not.toBe(first);
  });

  it("returns the configured target's manager for the configured target and for no target", () => {
    const credentials = client({ scope: 'b a', resource: 'https://orders.test' });

    expect(credentials.for({ scope: ['a', 'b'], resource: 'https://orders.test' })).toBe(credentials.for());
    expect(credentials.for({ scope: 'a b' })).not.toBe(credentials.for());
  });

  it('gives each target a distinct key naming client, endpoint and target', () => {
    const credentials = client({ scope: 'read' });

    expect(credentials.key).toBe(`billing@${TOKEN_URL}|read||`);
    expect(credentials.for({ audience: 'orders', resource: 'https://orders.test' }).key).toBe(
      `billing@${TOKEN_URL}||orders|https://orders.test`,
    );
  });

  it('sends one token request per target for 600 concurrent callers across 6 targets', async () => {
    const gate = deferred<void>();
    const seen = tokenEndpoint(server, async (request, n) => {
      await gate.promise;
      return HttpResponse.json({ access_token: `at-${n}-${targetOf(request)}`, expires_in: 3600 });
    });
    const credentials = client();
    const targets = [
      { scope: 'a' },
      { scope: 'b c' },
      { audience: 'orders' },
      { audience: 'billing' },
      { resource: 'https://orders.test' },
      { resource: 'https://orders.test', scope: 'a' },
    ];

    const calls = Array.from({ length: 600 }, (_, i) => {
      const target = targets[i % targets.length]!;
      // Half the callers spell the scope differently: it is the same target.
      const spelled =
        i % 2 === 0 && target.scope ? { ...target, scope: target.scope.split(' ').reverse() } : target;
      return credentials.for(spelled).getAccessToken();
    });
    await vi.waitFor(() => expect(seen).toHaveLength(targets.length));
    gate.resolve();
    const tokens = await Promise.all(calls);

    expect(seen).toHaveLength(6);
    expect(new Set(seen.map(targetOf)).size).toBe(6);
    expect(new Set(tokens).size).toBe(6);
    tokens.forEach((token, i) => {
      expect(token).toBe(tokens[i % targets.length]);
    });
  });

  it('caches each target separately until it expires', async () => {
    let now = 1_700_000_000_000;
    const seen = tokenEndpoint(server, (request, n) =>
      HttpResponse.json({
        access_token: `at-${n}-${targetOf(request)}`,
        expires_in: request.form.has('audience') ? 60 : 3600,
      }),
    );
    const credentials = client({ clock: () => now, refreshMargin: 5_000 });
    const orders = credentials.for({ audience: 'orders' });

    await Promise.all([credentials.getAccessToken(), orders.getAccessToken()]);
    await Promise.all([credentials.getAccessToken(), orders.getAccessToken()]);
    expect(seen).toHaveLength(2);

    now += 56_000; // the audience token is within its refresh margin; the root token is not
    expect(await orders.getAccessToken()).toBe('at-3-|orders|');
    expect(await credentials.getAccessToken()).toBe('at-1-||');
    expect(seen).toHaveLength(3);
  });

  it('reads a target once: a getter that answers differently later cannot file one token under another key', async () => {
    const seen = tokenEndpoint(server, (request, n) =>
      HttpResponse.json({ access_token: `at-${n}-${targetOf(request)}` }),
    );
    const credentials = client();
    let reads = 0;
    const shifting = {
      get resource() {
        reads += 1;
        return reads === 1 ? 'https://a.example/' : 'https://b.example/';
      },
      scope: ['read'],
    };
    const manager = credentials.for(shifting);
    const tokenOfA = await manager.getAccessToken();

    // Whatever the key names is what was requested: the manager of a, found again by its key.
    expect(credentials.for({ resource: 'https://a.example/', scope: 'read' })).toBe(manager);
    expect(tokenOfA).toBe('at-1-read||https://a.example/');
    expect(seen.map(targetOf)).toEqual(['read||https://a.example/']);
  });
});

describe('options read once', () => {
  it('builds a target created later from the options as they were: a reused options object changed for another client does not move it', async () => {
    const seen = tokenEndpoint(server);
    const stored: string[] = [];
    const locked: string[] = [];
    const storageOf = (name: string) => (key: string) => {
      stored.push(`${name} ${key}`);
      return memoryStorage();
    };
    const lockOf = (name: string) => ({
      run: <T>(key: string, task: () => Promise<T>) => {
        locked.push(`${name} ${key}`);
        return task();
      },
    });
    const options = {
      tokenUrl: TOKEN_URL,
      clientId: 'billing',
      clientSecret: SECRET,
      retry: false,
      storage: storageOf('first'),
      lock: lockOf('first'),
    } as ClientCredentialsOptions;
    const first = clientCredentials(options);
    clients.push(first);
    // The same object, changed for a second client (another tenant's storage and lock).
    Object.assign(options, { clientId: 'orders', storage: storageOf('second'), lock: lockOf('second') });
    clients.push(clientCredentials(options));

    await first.for({ scope: 'later' }).getAccessToken();

    expect(stored).toEqual([
      `first billing@${TOKEN_URL}|||`,
      `second orders@${TOKEN_URL}|||`,
      `first billing@${TOKEN_URL}|later||`,
    ]);
    expect(locked).toEqual([`first tessera:billing@${TOKEN_URL}|later||`]);
    expect(seen).toHaveLength(1);
  });

  it('builds a target created later with the retry options as they were, also when the caller changes that object', async () => {
    let requests = 0;
    const fetch = async () =>
      ++requests % 2 === 1
        ? new Response('busy', { status: 503 })
        : Response.json({ access_token: `at-${requests}`, token_type: 'Bearer', expires_in: 300 });
    const retry = { retries: 1, minTimeout: 0, maxTimeout: 0, randomize: false };
    const first = clientCredentials({
      tokenUrl: TOKEN_URL,
      clientId: 'billing',
      clientSecret: SECRET,
      fetch,
      retry,
    });
    clients.push(first);
    // The same retry object, changed for another client that must not retry.
    retry.retries = 0;

    await expect(first.for({ scope: 'later' }).getAccessToken()).resolves.toBe('at-2');
    expect(requests).toBe(2);
  });
});

describe('request shape', () => {
  it('client_secret_basic sends form-urlencoded id and secret in the Basic header (RFC 6749 §2.3.1)', async () => {
    const seen = tokenEndpoint(server);
    await client({ clientId: 'svc:1 é' }).getAccessToken();

    const expected = Buffer.from('svc%3A1+%C3%A9:sup3r-s3cret+value%2F%C3%A9%3A%2B').toString('base64');
    expect(seen[0]?.authorization).toBe(`Basic ${expected}`);
    expect(seen[0]?.form.has('client_secret')).toBe(false);
    expect(seen[0]?.form.has('client_id')).toBe(false);
  });

  it('client_secret_post sends id and secret in the body and no Authorization header', async () => {
    const seen = tokenEndpoint(server);
    await client({ authMethod: 'client_secret_post' }).getAccessToken();

    expect(seen[0]?.authorization).toBeNull();
    expect(seen[0]?.form.get('client_id')).toBe('billing');
    expect(seen[0]?.form.get('client_secret')).toBe(SECRET);
  });

  it('never stores or sends a refresh_token the server answers with (RFC 6749 §4.4.3): the next token is asked with the secret', async () => {
    const seen = tokenEndpoint(server, async (request, n) => {
      const answer = (await (await issueToken(request, n)).json()) as Record<string, unknown>;
      return HttpResponse.json({ ...answer, refresh_token: `rt-${n}` });
    });
    const stores = new Map<string, TokenStorage>();
    const credentials = client({
      storage: (key) => stores.set(key, memoryStorage()).get(key) as TokenStorage,
    });

    expect(await credentials.getAccessToken()).toBe('at-1');
    expect(await credentials.getAccessToken({ forceRefresh: true })).toBe('at-2');

    expect(seen.map(({ form }) => [...form.keys()].sort())).toEqual([['grant_type'], ['grant_type']]);
    expect(seen[1]?.authorization).toMatch(/^Basic /);
    expect(credentials.for().peekTokens()?.refreshToken).toBeUndefined();
    const stored = (await stores.get(credentials.key)?.get()) as
      | { accessToken?: string; refreshToken?: string }
      | undefined;
    expect(stored?.accessToken).toBe('at-2');
    expect(stored?.refreshToken).toBeUndefined();
  });

  it('sends sorted scopes, repeated sorted resources and extra params', async () => {
    const seen = tokenEndpoint(server);
    await client({
      scope: 'write read read',
      resource: ['https://z.test', 'https://a.test'],
      extraParams: { tenant: 'acme', feature: ['x', 'y'] },
    }).getAccessToken();

    const { form } = seen[0]!;
    expect(form.get('scope')).toBe('read write');
    expect(form.getAll('resource')).toEqual(['https://a.test', 'https://z.test']);
    expect(form.get('tenant')).toBe('acme');
    expect(form.getAll('feature')).toEqual(['x', 'y']);
    expect(form.has('audience')).toBe(false);
  });
});

describe('errors', () => {
  it('never shows an extraParams value (an API key) the server echoes, in any encoding, in the error or its events', async () => {
    const apiKey = 'k3y/with+an=é';
    tokenEndpoint(server, ({ form }) => {
      const echoed = form.get('api_key') ?? '';
      const encodings = [echoed, encodeURIComponent(echoed), Buffer.from(echoed).toString('base64')];
      return HttpResponse.json(
        {
          error: 'invalid_client',
          error_description: `unknown api_key ${encodings.join(' ')} for scope read`,
        },
        { status: 401 },
      );
    });
    const credentials = client({ scope: 'read', extraParams: { api_key: apiKey, tenant: ['acme'] } });
    const events: unknown[] = [];
    credentials.subscribe((event) => events.push(event));

    const error = await credentials.getAccessToken().catch((caught: unknown) => caught);

    expect(isOAuthError(error, 'invalid_client')).toBe(true);
    expect((error as OAuthError).errorDescription).toContain('for scope read');
    const secrets = [apiKey, encodeURIComponent(apiKey), Buffer.from(apiKey).toString('base64')];
    expectNoSecrets(error, secrets);
    for (const secret of secrets) expect(inspect(events, { depth: 10 })).not.toContain(secret);
  });

  it.each(['client_secret_basic', 'client_secret_post'] as const)(
    'rejects with invalid_client at once, without retrying, and never shows the secret (%s)',
    async (authMethod) => {
      const seen = tokenEndpoint(server, () =>
        HttpResponse.json(
          { error: 'invalid_client', error_description: `client secret ${SECRET} is wrong` },
          { status: 401 },
        ),
      );
      const credentials = client({ authMethod, retry: { retries: 3, minTimeout: 0, randomize: false } });

      const error = await credentials.getAccessToken().catch((caught: unknown) => caught);

      expect(isOAuthError(error, 'invalid_client')).toBe(true);
      expect(error).toBeInstanceOf(OAuthError);
      expect((error as OAuthError).status).toBe(401);
      expect((error as Error).message).toContain('client secret [redacted] is wrong');
      expect(seen).toHaveLength(1);
      const basic = seen[0]?.authorization?.slice('Basic '.length) ?? 'none';
      expectNoSecrets(error, [SECRET, encodeURIComponent(SECRET), basic]);
      expect(inspect(credentials, { depth: 10, showHidden: true })).not.toContain(SECRET);
      expect(inspect(credentials.for({ audience: 'x' }), { depth: 10, showHidden: true })).not.toContain(
        SECRET,
      );
    },
  );

  it('never follows a redirect of the token endpoint: one request, the other origin never sees the secret', async () => {
    const seen = tokenEndpoint(
      server,
      () => new HttpResponse(null, { status: 307, headers: { location: 'https://elsewhere.test/token' } }),
    );
    const elsewhere: Request[] = [];
    server.use(
      http.all('https://elsewhere.test/*', ({ request }) => {
        elsewhere.push(request);
        return HttpResponse.json({ access_token: 'stolen', token_type: 'Bearer' });
      }),
    );

    const error = await client({ retry: { retries: 3, minTimeout: 0, randomize: false } })
      .getAccessToken()
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(307);
    expect(seen).toHaveLength(1);
    expect(elsewhere).toHaveLength(0);
    expectNoSecrets(error, [SECRET, seen[0]!.authorization!.slice('Basic '.length)]);
  });

  it('refuses a 200 whose token_type is neither Bearer nor asked for: MalformedResponseError, one request', async () => {
    const seen = tokenEndpoint(server, () =>
      HttpResponse.json({ access_token: 'at-mac', token_type: 'mac', expires_in: 3600 }),
    );

    const error = await client({ retry: { retries: 3, minTimeout: 0, randomize: false } })
      .getAccessToken()
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(MalformedResponseError);
    expect((error as Error).message).toContain('token_type "mac" is not in tokenTypes (Bearer)');
    expect(seen).toHaveLength(1);
    expectNoSecrets(error, ['at-mac', SECRET]);
  });

  it('retries a 503 and succeeds, as core does', async () => {
    const seen = tokenEndpoint(server, (request, n) =>
      n === 1 ? new HttpResponse('busy', { status: 503 }) : issueToken(request, n),
    );
    const credentials = client({ retry: { retries: 2, minTimeout: 0, maxTimeout: 0, randomize: false } });

    expect(await credentials.getAccessToken()).toBe('at-2');
    expect(seen).toHaveLength(2);
  });

  it('times out a hung token request after 10 s by default', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const seen = tokenEndpoint(server, () => new Promise<Response>(() => {}));
    const credentials = client();

    let settled = false;
    const result = credentials.getAccessToken().catch((caught: unknown) => caught);
    void result.then(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(9_900);
    expect(seen).toHaveLength(1);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(100);

    const error = await result;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).timeout).toBe(10_000);
    // Where it happened, not the manager's internal key.
    expect((error as TimeoutError).message).toBe(
      `Token request timed out after 10000 ms — POST ${TOKEN_URL}`,
    );
    expect((error as TimeoutError).message).not.toContain('tessera');
    expectNoSecrets(error, [SECRET]);
  });
});

describe('inputs of the wrong type are refused with a TypeError that names them', () => {
  it('extraParams that are not an object of strings, at construction', () => {
    expect(() => client({ extraParams: { tenant: 42 } as never })).toThrow(
      /extraParams\.tenant must be a string/,
    );
    expect(() => client({ extraParams: 'tenant=acme' as never })).toThrow(/extraParams must be an object/);
  });

  it('a target that is a URL, an array, a Map or a class instance, and a scope list with a non-string', () => {
    const credentials = client();
    expect(() => credentials.for(new URL('https://orders.internal') as never)).toThrow(TypeError);
    expect(() => credentials.for([] as never)).toThrow(TypeError);
    expect(() => credentials.for(new Map([['scope', 'read']]) as never)).toThrow(/plain object/);
    expect(() => credentials.for(new (class Target {})() as never)).toThrow(/plain object/);
    expect(() => credentials.for({ scope: [1] as never })).toThrow(/scope/);
    expect(() => credentials.for({ scope: 7 as never })).toThrow(/scope/);
  });

  it('a plain object from another realm or without a prototype is a target like any other: one request each', async () => {
    const seen = tokenEndpoint(server);
    const credentials = client();
    const bare = Object.assign(Object.create(null) as object, { scope: 'read' });
    const foreign = runInNewContext('({ scope: "read" })') as TokenTarget;

    expect(credentials.for(foreign)).toBe(credentials.for(bare));
    await Promise.all([credentials.for(bare).getAccessToken(), credentials.for(foreign).getAccessToken()]);

    expect(seen.map(targetOf)).toEqual(['read||']);
  });

  it('a resource with whitespace or a line break that URL would drop, e.g. read from a file, with no request', () => {
    const seen = tokenEndpoint(server);
    const credentials = client();
    for (const resource of [
      'https://orders.internal\n',
      ' https://orders.internal',
      'https://orders.internal/a\tb',
      'https://orders.internal/\u0000',
    ]) {
      expect(() => credentials.for({ resource })).toThrow(
        new TypeError(
          `clientCredentials: resource ${JSON.stringify(resource)} must be an absolute URI without a fragment or whitespace (RFC 8707 §2)`,
        ),
      );
    }
    expect(() => client({ resource: 'https://orders.internal\r\n' })).toThrow(
      /without a fragment or whitespace/,
    );
    expect(seen).toHaveLength(0);
  });

  it('a scope joined by a no-break space or an em space, which is no scope delimiter, with no request', () => {
    const seen = tokenEndpoint(server);
    const credentials = client({ scope: 'read write' });
    for (const scope of ['read\u00a0write', 'read\u2003write', 'read\u000bwrite']) {
      expect(() => credentials.for({ scope })).toThrow(
        new TypeError(
          `clientCredentials: scope ${JSON.stringify(scope)} must not contain whitespace other than spaces, or control characters (RFC 6749 §3.3)`,
        ),
      );
      expect(() => client({ scope: ['admin', scope] })).toThrow(
        /must not contain whitespace other than spaces/,
      );
    }
    // Spaces, tabs and line breaks (a value read from a file) still separate scopes.
    expect(credentials.for({ scope: 'write\tread\n' })).toBe(credentials.for());
    expect(seen).toHaveLength(0);
  });

  it('a blank audience as an empty one, in the options and in for(), with no request', async () => {
    const seen = tokenEndpoint(server);
    const blank = new TypeError('clientCredentials: audience must be a non-empty string or an array of them');
    for (const audience of [' ', '\t', '\u00a0', ['orders', '  ']]) {
      expect(() => client({ audience })).toThrow(blank);
      expect(() => client().for({ audience })).toThrow(blank);
    }
    expect(seen).toHaveLength(0);
  });

  it('an audience with whitespace around it (pasted from config), in the options and in for(), with no request', async () => {
    const seen = tokenEndpoint(server);
    // Servers compare audiences as strings: ' https://api.x/ ' is not the API's audience, and trimming
    // it silently would send another value than the one configured.
    for (const audience of [' https://api.x/ ', 'https://api.x/\n', '\tapi', ['orders', 'billing ']]) {
      const padded = (typeof audience === 'string' ? [audience] : audience).find(
        (value) => value !== value.trim(),
      );
      const refused = new TypeError(
        `clientCredentials: audience ${JSON.stringify(padded)} must not begin or end with whitespace`,
      );
      expect(() => client({ audience })).toThrow(refused);
      expect(() => client().for({ audience })).toThrow(refused);
    }
    // Spaces inside an audience are the server's business: sent as given.
    expect(client().for({ audience: 'my api' }).key).toContain('|my%20api|');
    // A resource with whitespace around it was already refused (RFC 8707 §2).
    expect(() => client({ resource: ' https://api.x/ ' })).toThrow(
      new TypeError(
        'clientCredentials: resource " https://api.x/ " must be an absolute URI without a fragment or whitespace (RFC 8707 §2)',
      ),
    );
    expect(seen).toHaveLength(0);
  });

  it('an empty audience or a resource that is not an absolute URI, every time and before maxTargets', () => {
    const credentials = client({ maxTargets: 0 });
    const resource = new TypeError(
      'clientCredentials: resource "orders" must be an absolute URI without a fragment or whitespace (RFC 8707 §2)',
    );
    // Twice: a refused target leaves no manager behind that a second call could find by its key.
    for (let call = 0; call < 2; call += 1) {
      expect(() => credentials.for({ resource: ['https://a.test', 'orders'] })).toThrow(resource);
      expect(() => credentials.for({ audience: ['x', ''] })).toThrow(
        new TypeError('clientCredentials: audience must be a non-empty string or an array of them'),
      );
    }
    expect(() => credentials.for({ resource: 'https://a.test' })).toThrow(RangeError);
  });
});

describe('dispose', () => {
  it('disposes every target, rejects waiting callers and refuses new targets', async () => {
    const gate = deferred<void>();
    tokenEndpoint(server, async (request, n) => {
      await gate.promise;
      return issueToken(request, n);
    });
    const credentials = client();
    const orders = credentials.for({ audience: 'orders' });
    const waiting = [credentials.getAccessToken(), orders.getAccessToken()].map((call) =>
      call.catch((caught: unknown) => caught),
    );

    credentials.dispose();
    gate.resolve();

    for (const error of await Promise.all(waiting)) expect(error).toBeInstanceOf(DisposedError);
    await expect(orders.getAccessToken()).rejects.toBeInstanceOf(DisposedError);
    expect(() => credentials.for({ audience: 'billing' })).toThrow(DisposedError);
    credentials.dispose(); // idempotent
  });

  it('rejects 300 callers waiting on 30 targets with DisposedError: 30 requests, none after', async () => {
    const gate = deferred<void>();
    const allSent = deferred<void>();
    const seen = tokenEndpoint(server, async (request, n) => {
      if (n === 30) allSent.resolve();
      await gate.promise;
      return issueToken(request, n);
    });
    const credentials = client();
    const waiting = Array.from({ length: 300 }, (_, i) =>
      credentials
        .for({ audience: `api-${i % 30}` })
        .getAccessToken()
        .catch((caught: unknown) => caught),
    );
    await allSent.promise;

    credentials.dispose();
    gate.resolve();

    const errors = await Promise.all(waiting);
    expect(errors.every((error) => error instanceof DisposedError)).toBe(true);
    expect(seen).toHaveLength(30);
  });

  it('rejects callers waiting for a retry with DisposedError, sends nothing more and leaves no timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const seen = tokenEndpoint(server, () => new HttpResponse('busy', { status: 503 }));
    const credentials = client({
      retry: { retries: 3, minTimeout: 1_000, maxTimeout: 1_000, randomize: false },
    });
    const waiting = [
      credentials.getAccessToken(),
      credentials.for({ audience: 'orders' }).getAccessToken(),
    ].map((call) => call.catch((caught: unknown) => caught));
    await vi.advanceTimersByTimeAsync(10); // both targets answered 503 and wait 1 s for their retry
    expect(seen).toHaveLength(2);

    credentials.dispose();

    for (const error of await Promise.all(waiting)) expect(error).toBeInstanceOf(DisposedError);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(seen).toHaveLength(2);
    await expect(credentials.getAccessToken()).rejects.toBeInstanceOf(DisposedError);
  });

  it('is disposed at the end of a `using` block: no timer left, later calls DisposedError', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const seen = tokenEndpoint(server);
    let kept: ClientCredentials | undefined;
    {
      using credentials = clientCredentials({
        tokenUrl: TOKEN_URL,
        clientId: 'billing',
        clientSecret: SECRET,
        refreshInBackground: true,
      });
      kept = credentials;
      expect(await credentials.getAccessToken()).toBe('at-1');
      expect(await credentials.for({ audience: 'orders' }).getAccessToken()).toBe('at-2');
      expect(vi.getTimerCount()).toBe(2);
    }

    expect(vi.getTimerCount()).toBe(0);
    await expect(kept.getAccessToken()).rejects.toBeInstanceOf(DisposedError);
    expect(() => kept.for({ audience: 'orders' })).toThrow(DisposedError);
    expect(seen).toHaveLength(2);
  });

  it('leaves no timer behind, even with background refresh on several targets', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    tokenEndpoint(server);
    const credentials = client({ refreshInBackground: true });
    await Promise.all(['a', 'b', 'c'].map((audience) => credentials.for({ audience }).getAccessToken()));
    await credentials.getAccessToken();
    expect(vi.getTimerCount()).toBe(4);

    credentials.dispose();

    expect(vi.getTimerCount()).toBe(0);
  });

  it('creates a new manager for the configured target too when its manager was disposed on its own', async () => {
    tokenEndpoint(server);
    const credentials = client();
    const root = credentials.for();
    root.dispose();

    expect(credentials.for()).not.toBe(root);
    expect(credentials.for({})).toBe(credentials.for());
    expect(await credentials.getAccessToken()).toBe('at-1');
    expect(credentials.key).toBe(root.key);
  });

  it("keeps subscribe() listeners on the configured target's new manager after its old one was disposed on its own", async () => {
    tokenEndpoint(server);
    const credentials = client();
    const heard: string[] = [];
    const unsubscribe = credentials.subscribe((event) => heard.push(event.type));
    credentials.for().dispose();

    expect(await credentials.getAccessToken()).toBe('at-1');
    expect(heard.filter((type) => type === 'refreshed')).toHaveLength(1);

    unsubscribe();
    credentials.for().dispose();
    expect(await credentials.getAccessToken()).toBe('at-2');
    expect(heard.filter((type) => type === 'refreshed')).toHaveLength(1);
  });

  it('rejects getAccessToken() after dispose(), never throws synchronously', async () => {
    const credentials = client();
    credentials.dispose();
    let thrown: unknown;
    let pending: Promise<string> | undefined;
    try {
      pending = credentials.getAccessToken();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeUndefined();
    await expect(pending).rejects.toBeInstanceOf(DisposedError);
  });

  it('creates a new manager for a target whose manager was disposed on its own', async () => {
    tokenEndpoint(server);
    const credentials = client();
    const orders = credentials.for({ audience: 'orders' });
    orders.dispose();

    const again = credentials.for({ audience: 'orders' });

    expect(again).not.toBe(orders);
    expect(await again.getAccessToken()).toBe('at-1');
  });
});
