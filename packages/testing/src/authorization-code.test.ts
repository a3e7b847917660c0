import { createLocalJWKSet, jwtVerify } from 'jose';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { claimsOf, postToken } from '../test/token-request.js';
import { createAuthServer } from './create-auth-server.js';
import { failUnhandledRequest } from './fail-unhandled-request.js';
import { createTestClock } from './test-clock.js';

const clock = createTestClock(Date.parse('2026-01-01T00:00:00Z'));
const auth = createAuthServer({
  issuer: 'https://auth.example.test',
  clock: clock.now,
  users: [
    { username: 'alice', password: 'wonderland' },
    { username: 'bob', password: 'builder' },
  ],
  clients: [
    { clientId: 'web' },
    { clientId: 'spa', redirectUris: ['https://app.example.test/callback'] },
    { clientId: 'other' },
  ],
});
const api = 'https://api.example.test';
const server = setupServer(...auth.handlers, ...auth.protectedApi(api));
const redirectUri = 'https://app.example.test/callback';
// RFC 7636 Appendix B.
const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
type Json = Record<string, unknown>;

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  auth.reset();
});
afterAll(() => server.close());

/** An authorization request URL as a PKCE client builds it. */
function authorizationRequest(params: Record<string, string> = {}): string {
  const url = new URL(auth.authorizationUrl);
  const query = {
    response_type: 'code',
    client_id: 'web',
    redirect_uri: redirectUri,
    scope: 'openid orders:read',
    state: 'st-1',
    nonce: 'n-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...params,
  };
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url.href;
}

/** The code of a callback URL `auth.authorize` returned. */
function codeOf(callback: string): string {
  return new URL(callback).searchParams.get('code') ?? '';
}

function exchange(code: string, form: Record<string, string> = {}): Promise<Response> {
  return postToken(auth.tokenUrl, {
    form: {
      grant_type: 'authorization_code',
      client_id: 'web',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      ...form,
    },
  });
}

describe('authorization code grant with PKCE', () => {
  it('authorize() returns the callback URL with code, state and iss (RFC 9207), as the redirect would', () => {
    const callback = new URL(auth.authorize(authorizationRequest()));
    expect(`${callback.origin}${callback.pathname}`).toBe(redirectUri);
    expect([...callback.searchParams.keys()]).toEqual(['code', 'state', 'iss']);
    expect(callback.searchParams.get('state')).toBe('st-1');
    expect(callback.searchParams.get('iss')).toBe('https://auth.example.test');
    expect(codeOf(callback.href)).toMatch(/^[\w-]{43}$/);
  });

  it("authorize() keeps a redirect_uri's own query (?tenant=a) and adds the answer after it, and the code exchanges for that redirect_uri", async () => {
    const withQuery = 'https://app.example.test/callback?tenant=a';
    const callback = auth.authorize(authorizationRequest({ redirect_uri: withQuery }));
    expect(callback).toMatch(
      /^https:\/\/app\.example\.test\/callback\?tenant=a&code=[\w-]{43}&state=st-1&iss=/,
    );
    expect((await exchange(codeOf(callback), { redirect_uri: withQuery })).status).toBe(200);
  });

  it('GET on the authorization endpoint redirects (303, no-store, as oidc-provider) to the same callback', async () => {
    const response = await fetch(authorizationRequest(), { redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const location = new URL(response.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    expect(location.searchParams.get('state')).toBe('st-1');
    expect((await exchange(location.searchParams.get('code') ?? '')).status).toBe(200);
  });

  it('exchanges the code once for tokens and an ES256 id_token with iss, sub, aud, nonce, exp', async () => {
    const response = await exchange(codeOf(auth.authorize(authorizationRequest())));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Json;
    expect(body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 300,
      refresh_token: expect.any(String),
      scope: 'openid orders:read',
      id_token: expect.any(String),
    });
    const iat = Date.parse('2026-01-01T00:00:00Z') / 1000;
    const jwks = createLocalJWKSet((await (await fetch(auth.jwksUrl)).json()) as { keys: [] });
    const { payload, protectedHeader } = await jwtVerify(body.id_token as string, jwks, {
      currentDate: new Date(clock.now()),
    });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'JWT' });
    expect(payload).toEqual({
      iss: 'https://auth.example.test',
      sub: 'alice',
      aud: 'web',
      iat,
      exp: iat + 300,
      auth_time: iat,
      nonce: 'n-1',
    });
    expect(claimsOf(body.access_token as string)).toMatchObject({ sub: 'alice', aud: api });
    expect(auth.tokenRequestCount).toBe(1);
    expect(auth.tokenRequests).toEqual([
      { grantType: 'authorization_code', clientId: 'web', status: 200, at: clock.now() },
    ]);
  });

  it('sends no id_token without openid in the scope, and signs in the user named by login_hint', async () => {
    const code = codeOf(auth.authorize(authorizationRequest({ scope: 'orders:read', login_hint: 'bob' })));
    expect(auth.authorize(authorizationRequest(), { username: 'alice' })).toContain('code=');
    const body = (await (await exchange(code)).json()) as Json;
    expect(body.id_token).toBeUndefined();
    expect(claimsOf(body.access_token as string).sub).toBe('bob');
  });

  it('answers invalid_grant for a wrong code_verifier, without spending the code', async () => {
    const code = codeOf(auth.authorize(authorizationRequest()));
    const wrong = await exchange(code, { code_verifier: 'x'.repeat(43) });
    expect(wrong.status).toBe(400);
    const body = (await wrong.json()) as Json;
    expect(body.error).toBe('invalid_grant');
    expect(JSON.stringify(body)).not.toContain(code);
    expect((await exchange(code)).status).toBe(200);
    expect(auth.tokenRequests.map((entry) => [entry.status, entry.error])).toEqual([
      [400, 'invalid_grant'],
      [200, undefined],
    ]);
  });

  it('answers invalid_request for a malformed code_verifier (RFC 7636 §4.1), like oidc-provider, without spending the code', async () => {
    const code = codeOf(auth.authorize(authorizationRequest()));
    const malformed = [verifier.slice(0, 42), 'a'.repeat(129), `${verifier.slice(0, 42)}!`];
    for (const codeVerifier of malformed) {
      const answer = await exchange(code, { code_verifier: codeVerifier });
      expect(answer.status).toBe(400);
      const body = (await answer.json()) as Json;
      expect(body.error).toBe('invalid_request');
      expect(JSON.stringify(body)).not.toContain(codeVerifier);
    }
    expect((await exchange(code)).status).toBe(200);
    expect(auth.tokenRequests.map((entry) => entry.error)).toEqual([
      'invalid_request',
      'invalid_request',
      'invalid_request',
      undefined,
    ]);
  });

  it('answers invalid_grant without a code_verifier, for a redirect_uri mismatch and for another client', async () => {
    const code = codeOf(auth.authorize(authorizationRequest()));
    const answers = [
      await exchange(code, { code_verifier: '' }),
      await exchange(code, { redirect_uri: 'https://app.example.test/other' }),
      await exchange(code, { client_id: 'other' }),
      await exchange('no-such-code'),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(((await answer.json()) as Json).error).toBe('invalid_grant');
    }
    expect(auth.tokenRequestCount).toBe(4);
  });

  it('answers invalid_target for a resource not granted at sign-in, like oidc-provider, and the code is spent', async () => {
    const other = codeOf(auth.authorize(authorizationRequest()));
    const refused = await exchange(other, { resource: 'https://other.example.test' });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as Json).error).toBe('invalid_target');
    expect(((await (await exchange(other)).json()) as Json).error).toBe('invalid_grant');
    const malformed = codeOf(auth.authorize(authorizationRequest()));
    expect(((await (await exchange(malformed, { resource: 'not a uri' })).json()) as Json).error).toBe(
      'invalid_target',
    );
    // The granted resource itself is fine, and its token is for that API.
    const granted = codeOf(auth.authorize(authorizationRequest({ resource: api })));
    const body = (await (await exchange(granted, { resource: api })).json()) as Json;
    expect(claimsOf(body.access_token as string).aud).toBe(api);
    expect(auth.tokenRequests.map((entry) => [entry.status, entry.error])).toEqual([
      [400, 'invalid_target'],
      [400, 'invalid_grant'],
      [400, 'invalid_target'],
      [200, undefined],
    ]);
  });

  it('answers invalid_grant to a reused code and revokes the tokens issued from it', async () => {
    const code = codeOf(auth.authorize(authorizationRequest()));
    const first = (await (await exchange(code)).json()) as Json;
    const headers = { authorization: `Bearer ${first.access_token as string}` };
    expect((await fetch(`${api}/orders`, { headers })).status).toBe(200);
    const reuse = await exchange(code);
    expect(reuse.status).toBe(400);
    const body = (await reuse.json()) as Json;
    expect(body.error).toBe('invalid_grant');
    expect(JSON.stringify(body)).not.toContain(code);
    expect((await fetch(`${api}/orders`, { headers })).status).toBe(401);
    const refresh = await postToken(auth.tokenUrl, {
      form: { grant_type: 'refresh_token', client_id: 'web', refresh_token: first.refresh_token as string },
    });
    expect(((await refresh.json()) as Json).error).toBe('invalid_grant');
    expect(auth.tokenRequestCount).toBe(3);
  });

  it('answers invalid_grant for a code older than authorizationCodeLifetime (60 s)', async () => {
    const code = codeOf(auth.authorize(authorizationRequest()));
    clock.advance(60_000);
    const answer = await exchange(code);
    expect(((await answer.json()) as Json).error).toBe('invalid_grant');
  });

  it('redirects errors the client can be told of: no PKCE, plain PKCE, another response_type', () => {
    const error = (params: Record<string, string>): [string | null, string | null] => {
      const callback = new URL(auth.authorize(authorizationRequest(params)));
      return [callback.searchParams.get('error'), callback.searchParams.get('state')];
    };
    expect(error({ code_challenge: '' })).toEqual(['invalid_request', 'st-1']);
    expect(error({ code_challenge_method: 'plain' })).toEqual(['invalid_request', 'st-1']);
    expect(error({ response_type: 'bogus' })).toEqual(['unsupported_response_type', 'st-1']);
  });

  it('answers response_mode=fragment in the fragment: code, state and iss, and nothing in the query', async () => {
    const viaAuthorize = new URL(auth.authorize(authorizationRequest({ response_mode: 'fragment' })));
    const response = await fetch(authorizationRequest({ response_mode: 'fragment' }), { redirect: 'manual' });
    const viaEndpoint = new URL(response.headers.get('location') ?? '');
    for (const callback of [viaAuthorize, viaEndpoint]) {
      expect(`${callback.origin}${callback.pathname}${callback.search}`).toBe(redirectUri);
      const fragment = new URLSearchParams(callback.hash.slice(1));
      expect([...fragment.keys()]).toEqual(['code', 'state', 'iss']);
      expect(fragment.get('state')).toBe('st-1');
      expect((await exchange(fragment.get('code') ?? '')).status).toBe(200);
    }
    const refused = new URL(
      auth.authorize(authorizationRequest({ response_mode: 'fragment', prompt: 'bogus' })),
    );
    expect(refused.search).toBe('');
    expect(new URLSearchParams(refused.hash.slice(1)).get('error')).toBe('invalid_request');
  });

  it('answers response_mode=form_post with a form that posts code, state and iss to redirect_uri (200), an error with 400', async () => {
    const formOf = async (params: Record<string, string>) => {
      const response = await fetch(authorizationRequest({ response_mode: 'form_post', ...params }));
      const html = await response.text();
      const action = /<form method="post" action="([^"]*)"/.exec(html)?.[1];
      const inputs = [...html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)"\/>/g)];
      return {
        status: response.status,
        type: response.headers.get('content-type'),
        action,
        fields: Object.fromEntries(inputs.map(([, name, value]) => [name, decodeHtml(value ?? '')])),
      };
    };
    const signedIn = await formOf({});
    expect(signedIn).toMatchObject({ status: 200, action: redirectUri });
    expect(signedIn.type).toMatch(/^text\/html/);
    expect(Object.keys(signedIn.fields)).toEqual(['code', 'state', 'iss']);
    expect(signedIn.fields).toMatchObject({ state: 'st-1', iss: 'https://auth.example.test' });
    expect((await exchange(signedIn.fields.code ?? '')).status).toBe(200);
    const refused = await formOf({ state: '"<&>', code_challenge: '' });
    expect(refused).toMatchObject({ status: 400, action: redirectUri });
    expect(refused.fields).toMatchObject({ error: 'invalid_request', state: '"<&>' });
  });

  it('serves the form_post page as UTF-8, as oidc-provider does, so a browser reads a non-ASCII state as sent', async () => {
    // Without a charset a browser decodes the page as windows-1252: `café` in the form reads `cafÃ©`.
    for (const params of [{}, { prompt: 'bogus' }]) {
      const response = await fetch(
        authorizationRequest({ response_mode: 'form_post', state: 'café', ...params }),
      );
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await response.text()).toContain('name="state" value="café"');
    }
  });

  it('leaves an empty state out of the answer in every mode, as oidc-provider does (no `state=`, no empty field)', async () => {
    const keysOf = (callback: URL): string[] => [
      ...(callback.hash ? new URLSearchParams(callback.hash.slice(1)) : callback.searchParams).keys(),
    ];
    for (const mode of ['query', 'fragment', 'form_post']) {
      const signedIn = new URL(auth.authorize(authorizationRequest({ state: '', response_mode: mode })));
      const refused = new URL(
        auth.authorize(authorizationRequest({ state: '', response_mode: mode, prompt: 'bogus' })),
      );
      expect([mode, keysOf(signedIn), keysOf(refused)]).toEqual([
        mode,
        ['code', 'iss'],
        ['error', 'error_description', 'iss'],
      ]);
    }
    const page = await (await fetch(authorizationRequest({ state: '', response_mode: 'form_post' }))).text();
    expect(page).not.toContain('name="state"');
  });

  it('with resources, redirects a resource it does not list back with invalid_target, as oidc-provider does', async () => {
    const listed = createAuthServer({ issuer: 'https://listed.example.test', resources: [api] });
    server.use(...listed.handlers);
    const request = (resource: string): string => {
      const url = new URL(authorizationRequest({ resource }));
      return `${listed.authorizationUrl}${url.search}`;
    };
    const unknown = new URL(listed.authorize(request('https://other.example.test/')));
    expect([unknown.searchParams.get('error'), unknown.searchParams.get('state')]).toEqual([
      'invalid_target',
      'st-1',
    ]);
    expect(unknown.searchParams.has('code')).toBe(false);
    expect(new URL(listed.authorize(request(api))).searchParams.has('code')).toBe(true);
    // The same list at the token endpoint, for grants that take a resource without a sign-in.
    const tokenFor = (resource: string) =>
      postToken(listed.tokenUrl, {
        form: {
          grant_type: 'client_credentials',
          client_id: 'service',
          client_secret: 'service-secret',
          resource,
        },
      });
    expect((await tokenFor(api)).status).toBe(200);
    const refused = await tokenFor('https://other.example.test/');
    expect([refused.status, ((await refused.json()) as Json).error]).toEqual([400, 'invalid_target']);
  });

  it('redirects a response_type error as oidc-provider does: in the fragment for token, invalid_request for a type only the client may not use', () => {
    const answer = (params: Record<string, string>): [string, string | null] => {
      const callback = new URL(auth.authorize(authorizationRequest(params)));
      const where = callback.hash ? 'fragment' : 'query';
      const values = callback.hash ? new URLSearchParams(callback.hash.slice(1)) : callback.searchParams;
      return [where, values.get('error')];
    };
    expect(answer({ response_type: 'token' })).toEqual(['fragment', 'unsupported_response_type']);
    expect(answer({ response_type: 'code token' })).toEqual(['fragment', 'unsupported_response_type']);
    expect(answer({ response_type: 'id_token code' })).toEqual(['fragment', 'invalid_request']);
    expect(answer({ response_type: 'id_token' })).toEqual(['fragment', 'invalid_request']);
    expect(answer({ response_type: 'none' })).toEqual(['query', 'invalid_request']);
    expect(answer({ response_type: '' })).toEqual(['query', 'invalid_request']);
    expect(answer({ response_type: 'token', response_mode: 'query' })).toEqual(['query', 'invalid_request']);
    expect(answer({ response_type: 'token', response_mode: 'jwt' })).toEqual([
      'fragment',
      'unsupported_response_mode',
    ]);
    expect(
      new URL(
        auth.authorize(authorizationRequest({ response_type: 'token', response_mode: 'form_post' })),
      ).searchParams.get('error'),
    ).toBe('unsupported_response_type');
  });

  it('redirects the errors oidc-provider 9 redirects: a malformed code_challenge, repeats, request objects, unknown response_mode or prompt, bad scope syntax', () => {
    const answer = (params: Record<string, string | string[]>): [string | null, string | null] => {
      const url = new URL(authorizationRequest());
      for (const [name, value] of Object.entries(params)) {
        url.searchParams.delete(name);
        for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(name, item);
      }
      const callback = new URL(auth.authorize(url));
      return [callback.searchParams.get('error'), callback.searchParams.get('error_description')];
    };
    expect(answer({ code_challenge: challenge.slice(0, 42) })).toEqual([
      'invalid_request',
      'code_challenge must be a string with a minimum length of 43 characters',
    ]);
    expect(answer({ code_challenge: 'a'.repeat(129) })[0]).toBe('invalid_request');
    expect(answer({ code_challenge: `${challenge.slice(0, 42)}=` })).toEqual([
      'invalid_request',
      'code_challenge contains invalid characters',
    ]);
    expect(answer({ nonce: ['n-1', 'n-2'] })).toEqual([
      'invalid_request',
      'nonce must not be provided more than once',
    ]);
    expect(answer({ request: 'eyJhbGciOiJub25lIn0.e30.' })[0]).toBe('request_not_supported');
    expect(answer({ request_uri: 'urn:example:request' })[0]).toBe('request_uri_not_supported');
    expect(answer({ response_mode: 'query.jwt' })[0]).toBe('unsupported_response_mode');
    expect(answer({ prompt: 'bogus' })[0]).toBe('invalid_request');
    expect(answer({ prompt: 'none consent' })[0]).toBe('invalid_request');
    expect(answer({ scope: 'openid  orders:read' })[0]).toBe('invalid_scope');
    // Accepted as oidc-provider accepts them: unknown parameters repeated, resource repeated, no scope.
    expect(answer({ 'x-unknown': ['1', '2'], resource: [api, api], scope: '' })[0]).toBeNull();
    expect(
      answer({ code_challenge: 'a'.repeat(128), prompt: 'login consent', response_mode: 'query' })[0],
    ).toBeNull();
  });

  it('sends a repeated state back with no state, and throws for a repeated client_id or redirect_uri', () => {
    const url = new URL(authorizationRequest());
    url.searchParams.append('state', 'st-2');
    const callback = new URL(auth.authorize(url));
    expect([...callback.searchParams.keys()]).toEqual(['error', 'error_description', 'iss']);
    for (const name of ['client_id', 'redirect_uri']) {
      const repeated = new URL(authorizationRequest());
      repeated.searchParams.append(name, repeated.searchParams.get(name) ?? '');
      expect(() => auth.authorize(repeated)).toThrow(
        'authorize: client_id and redirect_uri must be sent once',
      );
    }
  });

  it('redirects with the error option, its description, state and iss, and no code (RFC 6749 §4.1.2.1)', () => {
    const denied = new URL(
      auth.authorize(authorizationRequest(), { error: 'access_denied', errorDescription: 'User said no' }),
    );
    expect(`${denied.origin}${denied.pathname}`).toBe(redirectUri);
    expect([...denied.searchParams]).toEqual([
      ['error', 'access_denied'],
      ['error_description', 'User said no'],
      ['state', 'st-1'],
      ['iss', 'https://auth.example.test'],
    ]);
    const silent = new URL(
      auth.authorize(authorizationRequest({ prompt: 'none' }), { error: 'login_required' }),
    );
    expect([...silent.searchParams.keys()]).toEqual(['error', 'state', 'iss']);
    expect(silent.searchParams.get('error')).toBe('login_required');
    // Any code in the RFC 6749 charset: providers send their own (e.g. `temporarily_unavailable`, `x-custom`).
    expect(auth.authorize(authorizationRequest(), { error: 'x-custom' })).toContain('error=x-custom');
  });

  it('answers a request error before the error option, and issues no code for an error', async () => {
    const callback = new URL(
      auth.authorize(authorizationRequest({ code_challenge: '' }), { error: 'access_denied' }),
    );
    expect(callback.searchParams.get('error')).toBe('invalid_request');
    const refused = auth.authorize(authorizationRequest(), { error: 'consent_required', username: 'bob' });
    expect(new URL(refused).searchParams.has('code')).toBe(false);
    expect(auth.tokenRequestCount).toBe(0);
  });

  it('throws a TypeError for an error or errorDescription outside the RFC 6749 charset, or a description alone', () => {
    const authorizeWith = (options: object) => () => auth.authorize(authorizationRequest(), options as never);
    for (const error of ['', 'bad"quote', 'back\\slash', 'tab\there', 'é', 42]) {
      expect(authorizeWith({ error })).toThrow(TypeError);
    }
    expect(authorizeWith({ error: 'access_denied', errorDescription: 'line\nbreak' })).toThrow(
      'auth.authorize(url, options): errorDescription must be a non-empty string of printable ASCII',
    );
    expect(authorizeWith({ errorDescription: 'why' })).toThrow(
      'auth.authorize(url, options): errorDescription needs error',
    );
    expect(authorizeWith({ eror: 'access_denied' })).toThrow('did you mean "error"?');
  });

  it('throws, without redirecting, for an unknown client or an unregistered redirect_uri', () => {
    expect(() => auth.authorize(authorizationRequest({ client_id: 'nobody' }))).toThrow(
      'authorize: no client nobody on this server',
    );
    expect(() =>
      auth.authorize(authorizationRequest({ client_id: 'spa', redirect_uri: 'https://evil.example/cb' })),
    ).toThrow('authorize: redirect_uri is not registered for client spa');
    expect(() => auth.authorize('https://elsewhere.example/authorize?client_id=web')).toThrow(
      `authorize: expected a URL of ${auth.authorizationUrl}`,
    );
    expect(() => auth.authorize(authorizationRequest(), { user: 'bob' } as never)).toThrow(TypeError);
  });

  it("answers a request it cannot redirect with oidc-provider's 400 error page: HTML, its error code, state and iss, all escaped", async () => {
    const pageOf = async (params: Record<string, string>) => {
      const response = await fetch(authorizationRequest(params), { redirect: 'manual' });
      const lines = [...(await response.text()).matchAll(/<pre><strong>(\w+)<\/strong>: ([^<]*)<\/pre>/g)];
      return [
        response.status,
        response.headers.get('content-type'),
        response.headers.get('cache-control'),
        Object.fromEntries(lines.map(([, name, value]) => [name, value])),
      ];
    };
    expect(await pageOf({ client_id: '<b>nobody</b>' })).toEqual([
      400,
      'text/html; charset=utf-8',
      'no-store',
      {
        error: 'invalid_client',
        error_description: 'authorize: no client &lt;b&gt;nobody&lt;/b&gt; on this server.',
        state: 'st-1',
        iss: 'https://auth.example.test',
      },
    ]);
    expect(await pageOf({ client_id: 'spa', redirect_uri: 'https://evil.example/cb', state: '' })).toEqual([
      400,
      'text/html; charset=utf-8',
      'no-store',
      {
        error: 'invalid_redirect_uri',
        error_description: 'authorize: redirect_uri is not registered for client spa.',
        iss: 'https://auth.example.test',
      },
    ]);
    expect(((await pageOf({ client_id: '' })) as [0, 0, 0, Json])[3].error).toBe('invalid_request');
    expect(((await pageOf({ redirect_uri: '' })) as [0, 0, 0, Json])[3].error).toBe('invalid_request');
    expect(((await pageOf({ redirect_uri: '/callback' })) as [0, 0, 0, Json])[3].error).toBe(
      'invalid_redirect_uri',
    );
  });

  it('refuses a javascript:, data: or other script-capable redirect_uri without a redirect or a form, even for a client without redirectUris', async () => {
    // oidc-provider refuses to register these schemes; a form_post page would run the script on load.
    for (const target of [
      'javascript:alert(document.domain)//',
      'data:text/html,<script>x</script>',
      'vbscript:x',
    ]) {
      for (const mode of ['form_post', 'query']) {
        const request = authorizationRequest({ redirect_uri: target, response_mode: mode });
        expect(() => auth.authorize(request)).toThrow(
          /^authorize: redirect_uri must not use the \w+ URI scheme\.$/,
        );
        const response = await fetch(request, { redirect: 'manual' });
        expect([response.status, response.headers.get('location')]).toEqual([400, null]);
        // oidc-provider's error page: no form, no script, and not the redirect_uri.
        const page = await response.text();
        expect(page).toContain('<pre><strong>error</strong>: invalid_redirect_uri</pre>');
        expect(page).not.toMatch(/<form|<script|javascript:|data:|vbscript:/);
      }
    }
    expect(auth.authorizationRequests.map(({ status }) => status)).toEqual(Array(12).fill(400));
    expect(
      new URL(auth.authorize(authorizationRequest({ redirect_uri: 'com.example.app:/callback' }))).protocol,
    ).toBe('com.example.app:');
  });

  it('advertises the authorization endpoint, S256 and the iss parameter in discovery', async () => {
    const metadata = (await (
      await fetch('https://auth.example.test/.well-known/openid-configuration')
    ).json()) as Json;
    expect(metadata).toMatchObject({
      authorization_endpoint: 'https://auth.example.test/oauth/authorize',
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      grant_types_supported: ['authorization_code', 'client_credentials', 'password', 'refresh_token'],
    });
  });
});

function decodeHtml(value: string): string {
  const entities: Record<string, string> = {
    '&quot;': '"',
    '&lt;': '<',
    '&gt;': '>',
    '&#39;': "'",
    '&amp;': '&',
  };
  return value.replace(/&(?:quot|lt|gt|#39|amp);/g, (entity) => entities[entity] ?? entity);
}
