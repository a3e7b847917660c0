import { identityProviderDefaults, readFormPost } from '@tessera/example-identity-provider';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { authServerDefaults } from '../src/auth-server-options.js';
import {
  authorizationUrl,
  CHALLENGE,
  startParityTargets,
  type ParityTarget as Target,
  VERIFIER,
} from './parity-targets.js';
import { postToken } from './token-request.js';

// The same scenario, over HTTP, against the kit (served on loopback) and against a real oidc-provider
// configured like a production SPA client: the answers a client can see (status, OAuth `error`) must
// be the same. A difference here is a test that passes against the kit and fails in production.
const APP = 'http://127.0.0.1:5998';
const REDIRECT_URI = `${APP}/callback`;
// The audience each side grants when no resource is asked for: the example provider's API, the kit's default.
const API_RESOURCE = identityProviderDefaults.apiResource;
const KIT_AUDIENCE = authServerDefaults.audience;

let parity: Awaited<ReturnType<typeof startParityTargets>>;
let targets: Target[];

beforeAll(async () => {
  parity = await startParityTargets(APP);
  targets = parity.targets;
});
afterAll(async () => {
  await parity?.close();
});
afterEach(() => {
  vi.useRealTimers();
});

type Answer = [status: number, error?: string];

async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  const error = text ? (JSON.parse(text) as { error?: string }).error : undefined;
  return error === undefined ? [response.status] : [response.status, error];
}

async function discover(target: Target): Promise<{ authorization_endpoint: string; token_endpoint: string }> {
  return (await fetch(`${target.issuer}/.well-known/openid-configuration`)).json() as never;
}

/** Signs alice in with PKCE and returns the code, unexchanged. */
async function codeFor(target: Target, scope: string): Promise<string> {
  const url = await authorizationUrl(target, REDIRECT_URI, { scope });
  return new URL(await target.signIn(url.href)).searchParams.get('code') ?? '';
}

async function token(
  target: Target,
  form: Record<string, string | string[]>,
): Promise<[Answer, { refresh_token?: string }]> {
  const response = await postToken((await discover(target)).token_endpoint, {
    form: { client_id: target.clientId, ...form },
  });
  const body = (await response.clone().json()) as { refresh_token?: string };
  return [await answerOf(response), body];
}

function exchangeForm(code: string, verifier = VERIFIER): Record<string, string> {
  return { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier };
}

function exchange(target: Target, code: string, verifier = VERIFIER) {
  return token(target, exchangeForm(code, verifier));
}

function refresh(
  target: Target,
  refreshToken: string | undefined,
  scope?: string,
  extra: Record<string, string | string[]> = {},
) {
  return token(target, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken ?? '',
    ...(scope ? { scope } : {}),
    ...extra,
  });
}

/** Runs `scenario` against both servers and returns their answers by server name. */
async function both(scenario: (target: Target) => Promise<Answer[]>): Promise<Record<string, Answer[]>> {
  const answers: Record<string, Answer[]> = {};
  for (const target of targets) answers[target.name] = await scenario(target);
  return answers;
}

describe('the kit answers like oidc-provider', () => {
  it('reuse of a rotated refresh token: invalid_grant, and the newest refresh token is dead too', async () => {
    const answers = await both(async (target) => {
      const [exchanged, first] = await exchange(target, await codeFor(target, 'openid api:read'));
      const [refreshed, second] = await refresh(target, first.refresh_token);
      const [reused] = await refresh(target, first.refresh_token);
      const [newest] = await refresh(target, second.refresh_token);
      return [exchanged, refreshed, reused, newest];
    });
    expect(answers.kit).toEqual([[200], [200], [400, 'invalid_grant'], [400, 'invalid_grant']]);
    expect(answers.kit).toEqual(answers['oidc-provider']);
  });

  it('a rotated refresh token asking for more scope: invalid_scope, and the session survives', async () => {
    const answers = await both(async (target) => {
      const [, first] = await exchange(target, await codeFor(target, 'openid api:read'));
      const [, second] = await refresh(target, first.refresh_token);
      const [wider] = await refresh(target, first.refresh_token, 'openid email api:read');
      const [newest] = await refresh(target, second.refresh_token);
      return [wider, newest];
    });
    expect(answers.kit).toEqual([[400, 'invalid_scope'], [200]]);
    expect(answers.kit).toEqual(answers['oidc-provider']);
  });

  it('a malformed code_verifier: invalid_request, and the code stays usable', async () => {
    const answers = await both(async (target) => {
      const code = await codeFor(target, 'openid api:read');
      const [malformed] = await exchange(target, code, VERIFIER.slice(0, 42));
      const [wrong] = await exchange(target, code, 'x'.repeat(43));
      const [right] = await exchange(target, code);
      return [malformed, wrong, right];
    });
    expect(answers.kit).toEqual([[400, 'invalid_request'], [400, 'invalid_grant'], [200]]);
    expect(answers.kit).toEqual(answers['oidc-provider']);
  });

  it('a refresh asking for a resource not granted: invalid_target, and its refresh token is spent (sent again, the session ends)', async () => {
    // oidc-provider rotates the refresh token before it resolves `resource` (refresh_token.js).
    const answers = await both(async (target) => {
      const [, first] = await exchange(target, await codeFor(target, 'openid api:read'));
      const [other] = await refresh(target, first.refresh_token, undefined, {
        resource: 'https://other.example',
      });
      const [again] = await refresh(target, first.refresh_token);
      return [other, again];
    });
    expect(answers.kit).toEqual([
      [400, 'invalid_target'],
      [400, 'invalid_grant'],
    ]);
    expect(answers.kit).toEqual(answers['oidc-provider']);
  });

  it('a code exchanged for a resource not granted: invalid_target, and the code is spent', async () => {
    // oidc-provider consumes the code before it resolves `resource` (grant_common.js), as it rotates a
    // refresh token first; a malformed resource is the same invalid_target. Repeating the granted
    // resource is fine (RFC 8707 lets `resource` repeat).
    const answers = await both(async (target) => {
      const results: Answer[] = [];
      for (const resource of ['https://other.example', 'not a uri']) {
        const code = await codeFor(target, 'openid api:read');
        results.push((await token(target, { ...exchangeForm(code), resource }))[0]);
        results.push((await exchange(target, code))[0]);
      }
      const granted = target.name === 'kit' ? KIT_AUDIENCE : API_RESOURCE;
      const code = await codeFor(target, 'openid api:read');
      results.push((await token(target, { ...exchangeForm(code), resource: [granted, granted] }))[0]);
      return results;
    });
    expect(answers.kit).toEqual([
      [400, 'invalid_target'],
      [400, 'invalid_grant'],
      [400, 'invalid_target'],
      [400, 'invalid_grant'],
      [200],
    ]);
    expect(answers.kit).toEqual(answers['oidc-provider']);
  });

  it('authorization requests it must refuse: the same error, redirected with state unless state was repeated', async () => {
    // oidc-provider checks these before the user is asked to sign in. A request it accepts shows its
    // login page; the kit signs in at once; both count as "signs in" here.
    const cases: Record<string, string | string[] | undefined>[] = [
      {},
      { code_challenge: CHALLENGE.slice(0, 42) },
      { code_challenge: 'a'.repeat(129) },
      { code_challenge: `${CHALLENGE.slice(0, 42)}+` },
      { code_challenge: 'a'.repeat(128) },
      { state: ['one', 'two'] },
      { scope: ['openid', 'openid'] },
      { code_challenge: [CHALLENGE, CHALLENGE] },
      { redirect_uri: [REDIRECT_URI, REDIRECT_URI] },
      { resource: [API_RESOURCE, API_RESOURCE], 'x-unknown': ['1', '2'] },
      { response_mode: 'jwt' },
      { response_mode: 'fragment' },
      { request: 'eyJhbGciOiJub25lIn0.e30.' },
      { request_uri: 'urn:example:request' },
      { prompt: 'bogus' },
      { prompt: 'none login' },
      { prompt: 'login consent' },
      { scope: 'openid  api:read' },
      { scope: undefined },
    ];
    const answers: Record<string, unknown[]> = {};
    for (const target of targets) {
      const results: unknown[] = [];
      for (const params of cases) {
        const url = await authorizationUrl(target, REDIRECT_URI, {
          // The kit's own audience, so that a repeated granted resource is one it knows.
          ...params,
          ...(params.resource && target.name === 'kit' ? { resource: [KIT_AUDIENCE, KIT_AUDIENCE] } : {}),
        });
        const response = await fetch(url, { redirect: 'manual' });
        const location = new URL(response.headers.get('location') ?? '/', url);
        const error = location.origin === APP ? location.searchParams.get('error') : null;
        if (!response.headers.has('location')) results.push([response.status]);
        else results.push(error === null ? ['signs in'] : [error, location.searchParams.get('state')]);
      }
      answers[target.name] = results;
    }
    expect(answers.kit).toEqual([
      ['signs in'],
      ...['invalid_request', 'invalid_request', 'invalid_request'].map((error) => [error, 'parity-state']),
      ['signs in'],
      ['invalid_request', null],
      ['invalid_request', 'parity-state'],
      ['invalid_request', 'parity-state'],
      [400],
      ['signs in'],
      ['unsupported_response_mode', 'parity-state'],
      ['signs in'],
      ['request_not_supported', 'parity-state'],
      ['request_uri_not_supported', 'parity-state'],
      ['invalid_request', 'parity-state'],
      ['invalid_request', 'parity-state'],
      ['signs in'],
      ['invalid_scope', 'parity-state'],
      ['signs in'],
    ]);
    expect(answers.kit).toEqual(answers['oidc-provider']);
  });

  it('response_mode=fragment and form_post: the code, state and iss where the client asked, and exchangeable', async () => {
    const answers: Record<string, unknown[]> = {};
    for (const target of targets) {
      const results: unknown[] = [];
      for (const mode of ['fragment', 'form_post']) {
        const url = await authorizationUrl(target, REDIRECT_URI, { response_mode: mode });
        // signIn returns a form_post answer as the form's action with its fields as the query.
        const callback = new URL(await target.signIn(url.href));
        const params =
          mode === 'fragment' ? new URLSearchParams(callback.hash.slice(1)) : callback.searchParams;
        results.push([
          mode,
          mode === 'fragment' ? callback.search : callback.hash,
          [...params.keys()],
          params.get('state'),
          params.get('iss') === target.issuer,
          (await exchange(target, params.get('code') ?? ''))[0],
        ]);
      }
      answers[target.name] = results;
    }
    expect(answers.kit).toEqual([
      ['fragment', '', ['code', 'state', 'iss'], 'parity-state', true, [200]],
      ['form_post', '', ['code', 'state', 'iss'], 'parity-state', true, [200]],
    ]);
    expect(answers.kit).toEqual(answers['oidc-provider']);
  });

  it('the form_post page has the same content type (UTF-8 declared), for a code and for an error', async () => {
    const types: Record<string, unknown[]> = {};
    for (const target of targets) {
      const url = await authorizationUrl(target, REDIRECT_URI, {
        state: 'café',
        response_mode: 'form_post',
        prompt: 'bogus',
      });
      const response = await fetch(url, { redirect: 'manual' });
      types[target.name] = [response.status, response.headers.get('content-type')];
    }
    expect(types.kit).toEqual([400, 'text/html; charset=utf-8']);
    expect(types.kit).toEqual(types['oidc-provider']);
  });

  it('authorization answers: 303 to the callback (a code or an error, query or fragment), Cache-Control: no-store on every answer, no CSP on the form_post page', async () => {
    // oidc-provider's login page stands where the kit signs in at once; its redirect there is a 303 too.
    const cases: Record<string, string>[] = [
      {},
      { response_mode: 'fragment' },
      { prompt: 'bogus' },
      { prompt: 'bogus', response_mode: 'fragment' },
      { prompt: 'bogus', response_mode: 'form_post' },
      { client_id: 'nobody' },
      { redirect_uri: `${APP}/unregistered` },
    ];
    const answers: Record<string, unknown[]> = {};
    for (const target of targets) {
      const results: unknown[] = [];
      for (const params of cases) {
        const response = await fetch(await authorizationUrl(target, REDIRECT_URI, params), {
          redirect: 'manual',
        });
        results.push([
          response.status,
          response.headers.get('cache-control'),
          response.headers.get('content-security-policy'),
        ]);
      }
      answers[target.name] = results;
    }
    expect(answers.kit).toEqual([
      ...Array.from({ length: 4 }, () => [303, 'no-store', null]),
      ...Array.from({ length: 3 }, () => [400, 'no-store', null]),
    ]);
    expect(answers.kit).toEqual(answers['oidc-provider']);
  });

  it('a request it cannot redirect: a 400 HTML page (UTF-8) with the same error, state and iss lines', async () => {
    const cases: Record<string, string | string[] | undefined>[] = [
      { client_id: 'nobody' },
      { client_id: undefined },
      { redirect_uri: `${APP}/unregistered` },
      { redirect_uri: '/callback' },
      { redirect_uri: 'javascript:alert(1)' },
      { redirect_uri: undefined, state: ['one', 'two'] },
      { redirect_uri: [REDIRECT_URI, REDIRECT_URI] },
    ];
    const answers: Record<string, unknown[]> = {};
    for (const target of targets) {
      const results: unknown[] = [];
      for (const params of cases) {
        const response = await fetch(await authorizationUrl(target, REDIRECT_URI, params), {
          redirect: 'manual',
        });
        const page = await response.text();
        // Each line but error_description (the kit says what the test got wrong in its own words).
        const lines = [...page.matchAll(/<pre><strong>(\w+)<\/strong>: ([^<]*)<\/pre>/g)]
          .filter(([, name]) => name !== 'error_description')
          .map(([, name, value]) => `${name}=${name === 'iss' ? value === target.issuer : value}`);
        results.push([response.status, response.headers.get('content-type'), ...lines]);
      }
      answers[target.name] = results;
    }
    const html = [400, 'text/html; charset=utf-8'];
    expect(answers.kit).toEqual([
      [...html, 'error=invalid_client', 'state=parity-state', 'iss=true'],
      [...html, 'error=invalid_request', 'state=parity-state', 'iss=true'],
      [...html, 'error=invalid_redirect_uri', 'state=parity-state', 'iss=true'],
      [...html, 'error=invalid_redirect_uri', 'state=parity-state', 'iss=true'],
      [...html, 'error=invalid_redirect_uri', 'state=parity-state', 'iss=true'],
      [...html, 'error=invalid_request', 'iss=true'],
      [...html, 'error=invalid_request', 'state=parity-state', 'iss=true'],
    ]);
    expect(answers.kit).toEqual(answers['oidc-provider']);
  });

  it('token endpoint answers are Cache-Control: no-store, a success and an error', async () => {
    const answers: Record<string, unknown[]> = {};
    for (const target of targets) {
      const code = await codeFor(target, 'openid api:read');
      const tokenUrl = (await discover(target)).token_endpoint;
      const results: unknown[] = [];
      for (const form of [exchangeForm(code), exchangeForm(code)]) {
        const response = await postToken(tokenUrl, { form: { client_id: target.clientId, ...form } });
        results.push([response.status, response.headers.get('cache-control')]);
      }
      answers[target.name] = results;
    }
    expect(answers.kit).toEqual([
      [200, 'no-store'],
      [400, 'no-store'],
    ]);
    expect(answers.kit).toEqual(answers['oidc-provider']);
  });

  it('a redirect_uri with a query keeps it: the answer is added to it, a value of its own re-encoded as URLSearchParams does', async () => {
    const withQuery = `${APP}/callback?tenant=a&x=b%20c&flag`;
    const registered = [REDIRECT_URI, withQuery];
    const own = await startParityTargets(APP, {
      provider: { redirectUris: registered },
      client: { redirectUris: registered },
    });
    try {
      const answers: Record<string, unknown[]> = {};
      for (const target of own.targets) {
        const results: unknown[] = [];
        for (const extra of [{}, { prompt: 'bogus' }]) {
          const url = await authorizationUrl(target, withQuery, extra);
          const callback = new URL(await target.signIn(url.href));
          results.push(
            [...callback.searchParams.entries()].map(([name, value]) =>
              name === 'code' || name === 'iss' ? name : [name, value],
            ),
          );
        }
        answers[target.name] = results;
      }
      expect(answers.kit).toEqual([
        [['tenant', 'a'], ['x', 'b c'], ['flag', ''], 'code', ['state', 'parity-state'], 'iss'],
        [
          ['tenant', 'a'],
          ['x', 'b c'],
          ['flag', ''],
          ['error', 'invalid_request'],
          ['error_description', 'unsupported prompt value requested'],
          ['state', 'parity-state'],
          'iss',
        ],
      ]);
      expect(answers.kit).toEqual(answers['oidc-provider']);
    } finally {
      await own.close();
    }
  });

  it('an empty state is left out of the answer in every mode, a code or an error', async () => {
    const answers: Record<string, unknown[]> = {};
    for (const target of targets) {
      const results: unknown[] = [];
      for (const mode of ['query', 'fragment', 'form_post']) {
        for (const extra of [{}, { prompt: 'bogus' }]) {
          const url = await authorizationUrl(target, REDIRECT_URI, {
            state: '',
            response_mode: mode,
            ...extra,
          });
          const callback = new URL(await target.signIn(url.href));
          const params =
            mode === 'fragment' ? new URLSearchParams(callback.hash.slice(1)) : callback.searchParams;
          results.push([mode, [...params.keys()]]);
        }
      }
      answers[target.name] = results;
    }
    expect(answers.kit).toEqual(
      ['query', 'fragment', 'form_post'].flatMap((mode) => [
        [mode, ['code', 'iss']],
        [mode, ['error', 'error_description', 'iss']],
      ]),
    );
    expect(answers.kit).toEqual(answers['oidc-provider']);
  });

  it('errors follow the response mode: the query, the fragment (response_type=token too) or a 400 form, and an unknown resource is invalid_target', async () => {
    // The example provider knows one resource server; the kit is told of its own audience.
    const listed = await startParityTargets(APP, { kit: { resources: [KIT_AUDIENCE] } });
    const cases: Record<string, string>[] = [
      { response_mode: 'fragment', prompt: 'bogus' },
      { response_mode: 'form_post', prompt: 'bogus' },
      { response_mode: 'form_post', code_challenge: '' },
      { response_type: 'token' },
      { response_type: 'code token' },
      { response_type: 'token', response_mode: 'form_post' },
      { response_type: 'token', response_mode: 'query' },
      { response_type: 'token', response_mode: 'jwt' },
      { response_type: 'id_token code' },
      { response_type: 'id_token' },
      { response_type: 'none' },
      { response_type: 'bogus' },
      { response_type: '' },
      { resource: 'https://unknown.example.test/api' },
      { resource: 'https://unknown.example.test/api', response_mode: 'fragment' },
      { resource: 'https://unknown.example.test/api', response_mode: 'form_post' },
      { resource: 'granted' },
    ];
    try {
      const answers: Record<string, unknown[]> = {};
      for (const target of listed.targets) {
        const results: unknown[] = [];
        for (const params of cases) {
          const resource =
            params.resource === 'granted'
              ? target.name === 'kit'
                ? KIT_AUDIENCE
                : API_RESOURCE
              : params.resource;
          const url = await authorizationUrl(target, REDIRECT_URI, {
            ...params,
            ...(resource ? { resource } : {}),
          });
          const response = await fetch(url, { redirect: 'manual' });
          const location = response.headers.get('location');
          const callback = location ? new URL(location, url) : undefined;
          if (callback?.origin === APP) {
            const where = callback.hash ? 'fragment' : 'query';
            const values = callback.hash
              ? new URLSearchParams(callback.hash.slice(1))
              : callback.searchParams;
            // The kit signs in at once; oidc-provider first shows its login page (the branch below).
            if (values.has('code')) results.push(['signs in']);
            else results.push([where, values.get('error'), values.get('state')]);
          } else if (callback) {
            results.push(['signs in']);
          } else {
            const form = readFormPost(await response.text(), target.issuer);
            const action = form && `${form.origin}${form.pathname}`;
            results.push([
              'form_post',
              response.status,
              action,
              form?.searchParams.get('error'),
              form?.searchParams.get('state'),
            ]);
          }
        }
        answers[target.name] = results;
      }
      expect(answers.kit).toEqual([
        ['fragment', 'invalid_request', 'parity-state'],
        ['form_post', 400, REDIRECT_URI, 'invalid_request', 'parity-state'],
        ['form_post', 400, REDIRECT_URI, 'invalid_request', 'parity-state'],
        ['fragment', 'unsupported_response_type', 'parity-state'],
        ['fragment', 'unsupported_response_type', 'parity-state'],
        ['form_post', 400, REDIRECT_URI, 'unsupported_response_type', 'parity-state'],
        ['query', 'invalid_request', 'parity-state'],
        ['fragment', 'unsupported_response_mode', 'parity-state'],
        ['fragment', 'invalid_request', 'parity-state'],
        ['fragment', 'invalid_request', 'parity-state'],
        ['query', 'invalid_request', 'parity-state'],
        ['query', 'unsupported_response_type', 'parity-state'],
        ['query', 'invalid_request', 'parity-state'],
        ['query', 'invalid_target', 'parity-state'],
        ['fragment', 'invalid_target', 'parity-state'],
        ['form_post', 400, REDIRECT_URI, 'invalid_target', 'parity-state'],
        ['signs in'],
      ]);
      expect(answers.kit).toEqual(answers['oidc-provider']);
    } finally {
      await listed.close();
    }
  });

  it('a grant the client is not registered for: invalid_request, not unauthorized_client', async () => {
    const codeOnly = await startParityTargets(APP, {
      provider: { grantTypes: ['authorization_code'] },
      client: { grantTypes: ['authorization_code'] },
    });
    try {
      const answers: Record<string, Answer[]> = {};
      for (const target of codeOnly.targets) {
        const [answer] = await refresh(target, 'not-a-refresh-token');
        answers[target.name] = [answer];
      }
      expect(answers.kit).toEqual([[400, 'invalid_request']]);
      expect(answers.kit).toEqual(answers['oidc-provider']);
    } finally {
      await codeOnly.close();
    }
  });

  it('a session refreshed every 50 minutes ends a day after sign-in with invalid_grant', async () => {
    // Both count the day from the sign-in: oidc-provider's grant (ttl.Grant, 1 day in the example
    // provider) and the kit's refreshTokenLifetime (1 day by default). Only `Date` is faked: both
    // servers read the time from it; their sockets keep real timers.
    const answers = await both(async (target) => {
      const [, signedIn] = await exchange(target, await codeFor(target, 'openid api:read'));
      let refreshToken = signedIn.refresh_token;
      const start = Date.now();
      vi.useFakeTimers({ toFake: ['Date'], now: start });
      const results: Answer[] = [];
      for (let minutes = 50; minutes <= 24 * 60 + 10; minutes += 50) {
        vi.setSystemTime(start + minutes * 60_000);
        const [answer, body] = await refresh(target, refreshToken);
        results.push(answer);
        refreshToken = body.refresh_token;
      }
      vi.useRealTimers();
      return results;
    });
    expect(answers.kit).toEqual([...Array.from({ length: 28 }, (): Answer => [200]), [400, 'invalid_grant']]);
    expect(answers.kit).toEqual(answers['oidc-provider']);
  });

  it("a refresh near the session's end gets a full-lifetime access token, not one cut to the session", async () => {
    // oidc-provider gives every access token ttl.AccessToken whatever is left of the grant (ttl.Grant,
    // a day here), and so does the kit with accessTokenLifetime; after the day, the refresh is refused.
    const hourly = await startParityTargets(APP, {
      provider: { accessTokenTtl: 3_600_000 },
      kit: { accessTokenLifetime: 3_600_000 },
    });
    try {
      const answers: Record<string, unknown[]> = {};
      for (const target of hourly.targets) {
        const [, signedIn] = await exchange(target, await codeFor(target, 'openid api:read'));
        let refreshToken = signedIn.refresh_token;
        // A whole second: the kit rounds expires_in down to what the JWT's whole-second exp allows.
        const start = Math.ceil(Date.now() / 1000) * 1000;
        vi.useFakeTimers({ toFake: ['Date'], now: start });
        let last: unknown;
        for (let minutes = 50; minutes <= 24 * 60 - 40; minutes += 50) {
          vi.setSystemTime(start + minutes * 60_000);
          const response = await postToken((await discover(target)).token_endpoint, {
            form: {
              client_id: target.clientId,
              grant_type: 'refresh_token',
              refresh_token: refreshToken ?? '',
            },
          });
          const body = (await response.json()) as { refresh_token?: string; expires_in?: number };
          refreshToken = body.refresh_token;
          last = [response.status, body.expires_in];
        }
        // 40 minutes of the day are left; 50 minutes later the day is over.
        vi.setSystemTime(start + (24 * 60 + 10) * 60_000);
        const [ended] = await refresh(target, refreshToken);
        vi.useRealTimers();
        answers[target.name] = [last, ended];
      }
      expect(answers.kit).toEqual([
        [200, 3600],
        [400, 'invalid_grant'],
      ]);
      expect(answers.kit).toEqual(answers['oidc-provider']);
    } finally {
      await hourly.close();
    }
  });

  it('malformed token requests: the client is authenticated first, then grant_type, then repeats', async () => {
    // oidc-provider's order: a repeated client_id, a missing one (invalid_request, not invalid_client),
    // the client, a repeated grant_type, a missing grant_type, an unsupported one, one the client may not
    // use, then every other repeated parameter.
    const answers = await both(async (target) => {
      const url = (await discover(target)).token_endpoint;
      const known = target.clientId;
      const code = { code: ['one', 'two'], redirect_uri: REDIRECT_URI, code_verifier: VERIFIER };
      const forms: Record<string, string | string[]>[] = [
        { grant_type: 'authorization_code', ...code },
        { client_id: ['unknown-client', known] },
        { client_id: 'unknown-client' },
        { client_id: known },
        { client_id: known, grant_type: ['urn:example:unsupported', 'authorization_code'] },
        { client_id: 'unknown-client', grant_type: 'urn:example:unsupported' },
        { client_id: known, grant_type: 'urn:example:unsupported', ...code },
        { client_id: known, grant_type: 'authorization_code', ...code },
      ];
      const results: Answer[] = [];
      for (const form of forms) results.push(await answerOf(await postToken(url, { form })));
      return results;
    });
    expect(answers.kit).toEqual([
      [400, 'invalid_request'],
      [400, 'invalid_request'],
      [401, 'invalid_client'],
      [400, 'invalid_request'],
      [400, 'invalid_request'],
      [401, 'invalid_client'],
      [400, 'unsupported_grant_type'],
      [400, 'invalid_request'],
    ]);
    expect(answers.kit).toEqual(answers['oidc-provider']);
  });

  it('a repeated parameter the grant does not use is ignored; one it uses is invalid_request', async () => {
    // oidc-provider drops parameters it does not know and, once grant_type is known, those that grant
    // does not use, before it rejects repeats; RFC 8707's `resource` may be repeated.
    const answers = await both(async (target) => {
      const [, first] = await exchange(target, await codeFor(target, 'openid api:read'));
      const [code, second] = await refresh(target, first.refresh_token, undefined, { code: ['one', 'two'] });
      const [unknown, third] = await refresh(target, second.refresh_token, undefined, {
        code_verifier: [VERIFIER, VERIFIER],
        username: ['alice', 'bob'],
        'x-unknown': ['1', '2'],
      });
      const [scope] = await refresh(target, third.refresh_token, undefined, { scope: ['openid', 'openid'] });
      const [refreshToken] = await refresh(target, third.refresh_token, undefined, {
        refresh_token: [third.refresh_token ?? '', third.refresh_token ?? ''],
      });
      const [after] = await refresh(target, third.refresh_token);
      const [exchanged] = await token(target, {
        grant_type: 'authorization_code',
        code: await codeFor(target, 'openid api:read'),
        redirect_uri: REDIRECT_URI,
        code_verifier: VERIFIER,
        refresh_token: ['one', 'two'],
        scope: ['openid', 'email'],
      });
      return [code, unknown, scope, refreshToken, after, exchanged];
    });
    expect(answers.kit).toEqual([
      [200],
      [200],
      [400, 'invalid_request'],
      [400, 'invalid_request'],
      [200],
      [200],
    ]);
    expect(answers.kit).toEqual(answers['oidc-provider']);
  });

  it('a malformed Authorization header: 400 invalid_request before the client is looked up', async () => {
    // oidc-provider's client authentication takes any Authorization header as an attempt at
    // client_secret_basic: exactly `Basic <base64>` (one space, strict base64) of `id:secret`, both
    // form-urlencoded, printable ASCII once decoded (raw UTF-8 and an encoded é too) and non-empty. Anything else is invalid_request, not invalid_client.
    const answers = await both(async (target) => {
      const url = (await discover(target)).token_endpoint;
      const known = target.clientId;
      const headers = [
        'Basic',
        'Basic ',
        'Basic !!!not-base64!!!',
        `Basic ${btoa(known)}`,
        `Basic ${btoa(`${known}:`)}`,
        `Basic ${btoa(':secret')}`,
        `Basic ${btoa('%ZZ:secret')}`,
        `Basic ${btoa(`${known}:se\u0001cret`)}`,
        `Basic ${Buffer.from(`${known}:s\u00e9cret`).toString('base64')}`,
        `Basic ${btoa(`${known}:s\u00e9cret`)}`,
        `Basic ${btoa(`${known}:s%C3%A9cret`)}`,
        `Basic  ${btoa(`${known}:secret`)}`,
        `Basic ${btoa(`${known}:secret`).replace(/=+$/, '')}=`,
        `Bearer ${btoa(`${known}:secret`)}`,
        'Bearer',
        `Basic ${btoa('unknown-client:secret')}`,
        `basic ${btoa(`${known}:secret`)}`,
      ];
      const form = { grant_type: 'refresh_token', refresh_token: 'not-a-refresh-token' };
      const results: unknown[] = [];
      for (const Authorization of headers) {
        const response = await postToken(url, { form, headers: { Authorization } });
        results.push([...(await answerOf(response)), response.headers.has('www-authenticate')]);
      }
      return results as never;
    });
    const malformed: unknown[] = Array.from({ length: 15 }, () => [400, 'invalid_request', false]);
    // A well-formed header of an unknown client, and Basic credentials a public client may not use.
    const wellFormed = [401, 'invalid_client', true];
    expect(answers.kit).toEqual([...malformed, wellFormed, wellFormed]);
    expect(answers.kit).toEqual(answers['oidc-provider']);
  });

  it('a confidential client may use client_secret_basic or client_secret_post, whichever it was registered with', async () => {
    // oidc-provider 9 (`lib/shared/client_auth.js`) takes a secret from the header or the body as either
    // secret method, so a client registered with client_secret_basic (its default) may post its secret
    // and one registered with client_secret_post may send Basic credentials; only a confidential client
    // without a secret, or a public one with one, is refused. The kit registers no method and does the
    // same. Token and revocation endpoint share the rule; an authenticated refresh gets invalid_grant
    // for the made-up refresh token.
    const SECRET = 'parity-secret';
    const answers: Record<string, unknown[]> = {};
    for (const method of [undefined, 'client_secret_post'] as const) {
      const confidential = await startParityTargets(APP, {
        provider: { clientSecret: SECRET, ...(method ? { tokenEndpointAuthMethod: method } : {}) },
        client: { clientSecret: SECRET },
      });
      try {
        for (const target of confidential.targets) {
          const metadata = (await (
            await fetch(`${target.issuer}/.well-known/openid-configuration`)
          ).json()) as {
            token_endpoint: string;
            revocation_endpoint: string;
          };
          const id = target.clientId;
          const grant = { grant_type: 'refresh_token', refresh_token: 'not-a-refresh-token' };
          const calls: [string, Parameters<typeof postToken>[1]][] = [
            [metadata.token_endpoint, { form: grant, basic: [id, SECRET] }],
            [metadata.token_endpoint, { form: { ...grant, client_id: id, client_secret: SECRET } }],
            [metadata.token_endpoint, { form: grant, basic: [id, 'wrong'] }],
            [metadata.token_endpoint, { form: { ...grant, client_id: id, client_secret: 'wrong' } }],
            [metadata.token_endpoint, { form: { ...grant, client_id: id } }],
            [metadata.revocation_endpoint, { form: { token: 'x' }, basic: [id, SECRET] }],
            [metadata.revocation_endpoint, { form: { token: 'x', client_id: id, client_secret: SECRET } }],
          ];
          const results: unknown[] = [];
          for (const [url, call] of calls) {
            const response = await postToken(url, call);
            results.push([...(await answerOf(response)), response.headers.has('www-authenticate')]);
          }
          answers[`${target.name} ${method ?? 'default'}`] = results;
        }
      } finally {
        await confidential.close();
      }
    }
    const expected = [
      [400, 'invalid_grant', false],
      [400, 'invalid_grant', false],
      [401, 'invalid_client', true],
      [401, 'invalid_client', false],
      [401, 'invalid_client', false],
      [200, false],
      [200, false],
    ];
    expect(Object.keys(answers)).toHaveLength(4);
    for (const answer of Object.values(answers)) expect(answer).toEqual(expected);
  });

  it('a request without a Content-Type is an empty form: the client is still authenticated from its header', async () => {
    // oidc-provider reads no body without a Content-Type and goes on with no parameters; only another
    // type is refused. With no body at all (fetch sends no Content-Type), an unknown client is still
    // 401 invalid_client, at the token and the revocation endpoint.
    const answers = await both(async (target) => {
      const metadata = (await (await fetch(`${target.issuer}/.well-known/openid-configuration`)).json()) as {
        token_endpoint: string;
        revocation_endpoint: string;
      };
      const unknown = { Authorization: `Basic ${btoa('unknown-client:secret')}` };
      const results: Answer[] = [];
      for (const url of [metadata.token_endpoint, metadata.revocation_endpoint]) {
        results.push(await answerOf(await fetch(url, { method: 'POST', headers: unknown })));
        results.push(await answerOf(await fetch(url, { method: 'POST' })));
      }
      return results;
    });
    expect(answers.kit).toEqual([
      [401, 'invalid_client'],
      [400, 'invalid_request'],
      [401, 'invalid_client'],
      [400, 'invalid_request'],
    ]);
    expect(answers.kit).toEqual(answers['oidc-provider']);
  });

  it('a form body is application/x-www-form-urlencoded exactly, in any letter case, not a longer type name', async () => {
    const answers = await both(async (target) => {
      const url = (await discover(target)).token_endpoint;
      const form = {
        client_id: target.clientId,
        grant_type: 'refresh_token',
        refresh_token: 'not-a-refresh-token',
      };
      const results: Answer[] = [];
      for (const type of [
        'application/x-www-form-urlencodedx',
        'application/x-www-form-urlencoded-utf8',
        'Application/X-WWW-Form-URLEncoded; charset=UTF-8',
        'application/x-www-form-urlencoded ; charset=utf-8',
      ]) {
        results.push(await answerOf(await postToken(url, { form, headers: { 'Content-Type': type } })));
      }
      return results;
    });
    expect(answers.kit).toEqual([
      [400, 'invalid_request'],
      [400, 'invalid_request'],
      [400, 'invalid_grant'],
      [400, 'invalid_grant'],
    ]);
    expect(answers.kit).toEqual(answers['oidc-provider']);
  });

  it('a form body over 56 KiB: invalid_request before the client is looked up, at both endpoints', async () => {
    const answers = await both(async (target) => {
      const metadata = (await (await fetch(`${target.issuer}/.well-known/openid-configuration`)).json()) as {
        token_endpoint: string;
        revocation_endpoint: string;
      };
      const form = {
        client_id: target.clientId,
        grant_type: 'refresh_token',
        refresh_token: 'x',
        token: 'x',
      };
      // The whole body is 56 KiB with the padding below, one byte more with the second.
      const size = new URLSearchParams({ ...form, pad: '' }).toString().length;
      const results: Answer[] = [];
      for (const url of [metadata.token_endpoint, metadata.revocation_endpoint]) {
        for (const extra of [0, 1]) {
          const pad = 'a'.repeat(56 * 1024 - size + extra);
          results.push(await answerOf(await postToken(url, { form: { ...form, pad } })));
        }
      }
      return results;
    });
    expect(answers.kit).toEqual([
      [400, 'invalid_grant'],
      [400, 'invalid_request'],
      [200],
      [400, 'invalid_request'],
    ]);
    expect(answers.kit).toEqual(answers['oidc-provider']);
  });

  it('only the first 1000 &-separated pairs of a form body count: a client_id after them is lost', async () => {
    // oidc-provider parses the body with node:querystring, whose maxKeys (1000) counts every
    // `&`-separated piece, empty ones included, and drops the rest: no client_id is invalid_request.
    const answers = await both(async (target) => {
      const metadata = (await (await fetch(`${target.issuer}/.well-known/openid-configuration`)).json()) as {
        token_endpoint: string;
        revocation_endpoint: string;
      };
      const post = (url: string, pieces: string[]) =>
        fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: pieces.join('&'),
        });
      const clientId = `client_id=${encodeURIComponent(target.clientId)}`;
      const grant = ['grant_type=refresh_token', 'refresh_token=not-a-refresh-token'];
      const results: Answer[] = [];
      for (const pad of ['p=1', '']) {
        for (const pads of [997, 998]) {
          const pieces = [...grant, ...Array.from({ length: pads }, () => pad), clientId];
          results.push(await answerOf(await post(metadata.token_endpoint, pieces)));
        }
      }
      for (const pads of [998, 999]) {
        const pieces = ['token=x', ...Array.from({ length: pads }, () => 'p=1'), clientId];
        results.push(await answerOf(await post(metadata.revocation_endpoint, pieces)));
      }
      return results;
    });
    expect(answers.kit).toEqual([
      [400, 'invalid_grant'],
      [400, 'invalid_request'],
      [400, 'invalid_grant'],
      [400, 'invalid_request'],
      [200],
      [400, 'invalid_request'],
    ]);
    expect(answers.kit).toEqual(answers['oidc-provider']);
  });

  it('a scope that is not space-separated scope tokens: invalid_scope before the refresh token is looked at', async () => {
    // oidc-provider checks RFC 6749 §3.3's syntax (single spaces, no leading or trailing one, printable
    // ASCII without " and \) for the grants that take a scope, before the grant itself; the
    // authorization_code grant takes none, so it ignores it.
    const answers = await both(async (target) => {
      const [, first] = await exchange(target, await codeFor(target, 'openid api:read'));
      const results: Answer[] = [];
      for (const scope of ['openid  api:read', ' openid', 'openid\tapi:read', 'a"b', 'caf\u00e9']) {
        results.push((await refresh(target, 'not-a-refresh-token', scope))[0]);
      }
      // A live refresh token with a badly spaced scope is refused too, and the session survives.
      results.push((await refresh(target, first.refresh_token, 'openid  api:read'))[0]);
      results.push((await refresh(target, first.refresh_token, 'openid api:read'))[0]);
      const [exchanged] = await token(target, {
        grant_type: 'authorization_code',
        code: await codeFor(target, 'openid api:read'),
        redirect_uri: REDIRECT_URI,
        code_verifier: VERIFIER,
        scope: 'openid  api:read',
      });
      results.push(exchanged);
      return results;
    });
    expect(answers.kit).toEqual([
      ...Array.from({ length: 6 }, (): Answer => [400, 'invalid_scope']),
      [200],
      [200],
    ]);
    expect(answers.kit).toEqual(answers['oidc-provider']);
  });

  it('revocation: an unknown token is 200 (RFC 7009 §2.2), unused repeats are ignored, a malformed header is refused', async () => {
    const answers = await both(async (target) => {
      const { revocation_endpoint: url } = (await (
        await fetch(`${target.issuer}/.well-known/openid-configuration`)
      ).json()) as { revocation_endpoint: string };
      const form = { client_id: target.clientId, token: 'not-a-token-this-server-issued' };
      const response = await postToken(url, { form: { ...form, token_type_hint: 'refresh_token' } });
      // The same rules as at the token endpoint: unused repeats are ignored, a malformed header refused.
      const repeated = await postToken(url, { form: { ...form, scope: ['openid', 'email'] } });
      const headers = { Authorization: `Basic ${btoa(target.clientId)}` };
      const malformed = await postToken(url, { form, headers });
      return [await answerOf(response), await answerOf(repeated), await answerOf(malformed)];
    });
    expect(answers.kit).toEqual([[200], [200], [400, 'invalid_request']]);
    expect(answers.kit).toEqual(answers['oidc-provider']);
  });
});
