import { createAuthServer, failUnhandledRequest } from '@tessera/testing';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { unsignedJwt } from '../../test/fixtures/fake-oidc-server.js';
import { fakeStorageArea } from '../../test/fixtures/fake-storage-area.js';
import { isOAuthError } from '../errors/guards.js';
import { requestToken } from '../token-endpoint.js';
import { TokenManager } from '../token-manager.js';
import { createSignIn } from './create-sign-in.js';
import type { SignInOptions } from './sign-in-options.js';

// The code exchange answers with tokens the kit minted, so its revocation endpoint, token endpoint and
// protected API know them. It revokes only the token presented (no family revocation): a revoked
// refresh token leaves its access token valid, so each of the two revocations shows on its own.
const auth = createAuthServer({ revokeFamily: false });
const API = 'https://api.example.test';
const REDIRECT_URI = 'https://app.example.test/callback';
const msw = setupServer();

let metadata: Record<string, unknown>;
/** How the token endpoint answers a code exchange, given the nonce of the authorization request. */
let codeAnswer: (nonce: string) => Promise<Record<string, unknown>>;
/** Every token the code exchanges brought, in the order issued. */
let issued: { accessToken: string; refreshToken: string }[];
let codeExchanges: number;

const idToken = (nonce: string, claims: Record<string, unknown> = {}) =>
  unsignedJwt({
    iss: auth.issuer,
    sub: 'alice',
    aud: 'web',
    exp: Math.floor(Date.now() / 1000) + 300,
    nonce,
    ...claims,
  });

/** The kit's tokens for alice, with the ID token `id` makes (none when it returns undefined). */
const kitTokens =
  (id: (nonce: string) => string | undefined = idToken, extra: Record<string, unknown> = {}) =>
  async (nonce: string) => {
    const tokens = await auth.issueTokens({ scope: 'openid offline_access' });
    issued.push({ accessToken: tokens.access_token, refreshToken: tokens.refresh_token ?? '' });
    const id_token = id(nonce);
    return { ...tokens, ...(id_token ? { id_token } : {}), ...extra };
  };

beforeAll(() => msw.listen({ onUnhandledRequest: failUnhandledRequest }));
beforeEach(() => {
  metadata = {
    issuer: auth.issuer,
    authorization_endpoint: `${auth.issuer}/authorize`,
    token_endpoint: auth.tokenUrl,
    revocation_endpoint: auth.revocationUrl,
  };
  codeAnswer = kitTokens();
  issued = [];
  codeExchanges = 0;
  msw.use(
    http.get(`${auth.issuer}/.well-known/oauth-authorization-server`, () => HttpResponse.json(metadata)),
    http.get(`${auth.issuer}/.well-known/openid-configuration`, () => HttpResponse.json(metadata)),
    http.post(auth.tokenUrl, async ({ request }) => {
      const form = new URLSearchParams(await request.clone().text());
      if (form.get('grant_type') !== 'authorization_code') return undefined; // the kit answers
      codeExchanges += 1;
      return HttpResponse.json(await codeAnswer(form.get('code') ?? ''));
    }),
    ...auth.handlers,
    ...auth.protectedApi(API),
  );
});
afterEach(() => {
  vi.useRealTimers();
  msw.resetHandlers();
  auth.reset();
});
afterAll(() => msw.close());

function setUp(options: Partial<SignInOptions> = {}) {
  const tokens = new TokenManager({ fetchTokens: (context) => signIn.fetchTokens(context), retry: false });
  const signIn = createSignIn({
    issuer: auth.issuer,
    clientId: 'web',
    redirectUri: REDIRECT_URI,
    scope: 'openid offline_access',
    tokens,
    transactionStorage: fakeStorageArea(),
    navigate: () => {},
    // discover() keeps metadata per fetch for the process: each instance gets its own.
    fetch: (input, init) => fetch(input, init),
    ...options,
  });
  return { signIn, tokens };
}

/** The provider's callback for a fresh sign-in; its code is the nonce, so the answer can echo it. */
async function callbackOf(signIn: ReturnType<typeof setUp>['signIn']): Promise<string> {
  const request = (await signIn.buildAuthorizationUrl()).searchParams;
  const callback = new URL(REDIRECT_URI);
  callback.searchParams.set('code', request.get('nonce') ?? '');
  callback.searchParams.set('state', request.get('state') ?? '');
  return callback.href;
}

const refreshWith = (refreshToken: string) =>
  requestToken({
    tokenUrl: auth.tokenUrl,
    grantType: 'refresh_token',
    clientId: 'web',
    params: { refresh_token: refreshToken },
  });

const apiStatus = async (accessToken: string) =>
  (await fetch(`${API}/me`, { headers: { Authorization: `Bearer ${accessToken}` } })).status;

/** Neither token of the refused sign-in works any more: the refresh token, then the access token. */
async function expectDead(tokens: { accessToken: string; refreshToken: string } | undefined) {
  await expect(refreshWith(tokens?.refreshToken ?? '')).rejects.toSatisfy((error) =>
    isOAuthError(error, 'invalid_grant'),
  );
  expect(await apiStatus(tokens?.accessToken ?? '')).toBe(401);
}

describe('a sign-in refused after the code was spent revokes the tokens it brought', () => {
  it.each([
    ['no id_token (openid)', () => kitTokens(() => undefined), { reason: 'missing_id_token' }],
    ['a wrong nonce', () => kitTokens(() => idToken('another-nonce')), { check: 'nonce' }],
    [
      'another iss',
      () => kitTokens((n) => idToken(n, { iss: 'https://evil.example.test' })),
      { check: 'iss' },
    ],
    ['another aud', () => kitTokens((n) => idToken(n, { aud: 'another-client' })), { check: 'aud' }],
    ['an expired id_token', () => kitTokens((n) => idToken(n, { exp: 1_000_000 })), { check: 'exp' }],
    [
      'an otherwise valid id_token over 64 KiB (decision 0026)',
      () => kitTokens((n) => idToken(n, { groups: 'g'.repeat(70_000) })),
      { name: 'IdTokenError', check: 'format' },
    ],
    [
      'an id_token that is not a string (openid)',
      () => kitTokens(() => 123 as never),
      { name: 'IdTokenError', check: 'format' },
    ],
    [
      'a token_type the manager refuses',
      () => kitTokens(idToken, { token_type: 'mac' }),
      { reason: 'invalid_field' },
    ],
  ] as const)(
    'with %s: the same error as before, the refresh token then the access token revoked, neither works afterwards',
    async (_, answer, error) => {
      codeAnswer = answer();
      const { signIn, tokens } = setUp();
      const result = await signIn.handleCallback(await callbackOf(signIn));
      expect(result).toMatchObject({ status: 'error', error });
      expect(codeExchanges).toBe(1);
      expect(tokens.peekTokens()).toBeUndefined();
      expect(
        auth.revocationRequests.map(({ tokenTypeHint, revoked, status }) => ({
          tokenTypeHint,
          revoked,
          status,
        })),
      ).toEqual([
        { tokenTypeHint: 'refresh_token', revoked: 'refresh_token', status: 200 },
        { tokenTypeHint: 'access_token', revoked: 'access_token', status: 200 },
      ]);
      await expectDead(issued[0]);
      const rendered = JSON.stringify(result) + String(result.status === 'error' && result.error.message);
      expect(rendered).not.toContain(issued[0]?.refreshToken);
      expect(rendered).not.toContain(issued[0]?.accessToken);
    },
  );

  it('without a token manager too', async () => {
    codeAnswer = kitTokens(() => undefined);
    const { signIn } = setUp({ tokens: undefined } as never);
    expect(await signIn.handleCallback(await callbackOf(signIn))).toMatchObject({
      status: 'error',
      error: { reason: 'missing_id_token' },
    });
    expect(auth.revocationRequests.map((entry) => entry.revoked)).toEqual(['refresh_token', 'access_token']);
    await expectDead(issued[0]);
  });

  it('a sign-in that succeeds revokes nothing', async () => {
    const { signIn, tokens } = setUp();
    expect((await signIn.handleCallback(await callbackOf(signIn))).status).toBe('handled');
    expect(auth.revocationRequests).toHaveLength(0);
    expect(await apiStatus(tokens.peekTokens()?.accessToken ?? '')).toBe(200);
  });

  it('without a revocation_endpoint: the same error, and no revocation request', async () => {
    delete metadata.revocation_endpoint;
    codeAnswer = kitTokens(() => undefined);
    const { signIn } = setUp();
    expect(await signIn.handleCallback(await callbackOf(signIn))).toMatchObject({
      status: 'error',
      error: { name: 'MalformedResponseError', reason: 'missing_id_token' },
    });
    expect(auth.revocationRequests).toHaveLength(0);
  });

  it.each([
    ['a 400 invalid_request', () => HttpResponse.json({ error: 'invalid_request' }, { status: 400 })],
    ['a network error', () => HttpResponse.error()],
    ['an HTTP 503 page', () => new HttpResponse('<html>down</html>', { status: 503 })],
  ])('a revocation that fails (%s) never replaces the error; both are tried', async (_, answer) => {
    let revocations = 0;
    msw.use(
      http.post(auth.revocationUrl, () => {
        revocations += 1;
        return answer();
      }),
    );
    codeAnswer = kitTokens(() => idToken('another-nonce'));
    const { signIn } = setUp();
    const result = await signIn.handleCallback(await callbackOf(signIn));
    expect(result).toMatchObject({ status: 'error', error: { name: 'IdTokenError', check: 'nonce' } });
    expect(revocations).toBe(2);
  });

  it('a revocation endpoint that never answers holds the result back at most the timeout, in all', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let revocations = 0;
    msw.use(
      http.post(auth.revocationUrl, () => {
        revocations += 1;
        return new Promise<Response>(() => {});
      }),
    );
    codeAnswer = kitTokens(() => undefined);
    const { signIn } = setUp({ timeout: 5_000 });
    let settled = false;
    const result = signIn.handleCallback(await callbackOf(signIn)).finally(() => {
      settled = true;
    });
    // Not vi.waitFor: with fake timers it moves the clock on.
    while (revocations === 0) await new Promise((resolve) => setImmediate(resolve));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toBe(true);
    expect(await result).toMatchObject({ status: 'error', error: { reason: 'missing_id_token' } });
    expect(revocations).toBe(1); // the access token's turn came after the time was up
  });

  it('a 2xx code exchange with a refresh_token but no access_token: refused as before, that refresh token revoked once', async () => {
    codeAnswer = async (nonce) => {
      const { access_token: _, ...rest } = await kitTokens()(nonce);
      return rest;
    };
    const { signIn, tokens } = setUp();
    const result = await signIn.handleCallback(await callbackOf(signIn));
    expect(result).toMatchObject({
      status: 'error',
      error: { name: 'MalformedResponseError', reason: 'missing_access_token' },
    });
    expect(codeExchanges).toBe(1);
    expect(tokens.peekTokens()).toBeUndefined();
    expect(
      auth.revocationRequests.map(({ tokenTypeHint, revoked, status }) => ({
        tokenTypeHint,
        revoked,
        status,
      })),
    ).toEqual([{ tokenTypeHint: 'refresh_token', revoked: 'refresh_token', status: 200 }]);
    await expect(refreshWith(issued[0]?.refreshToken ?? '')).rejects.toSatisfy((error) =>
      isOAuthError(error, 'invalid_grant'),
    );
    const rendered = JSON.stringify(result) + String(result.status === 'error' && result.error.message);
    expect(rendered).not.toContain(issued[0]?.refreshToken);
  });

  it('a code exchange refused by the server (400 invalid_grant) brought nothing: no revocation request', async () => {
    msw.use(http.post(auth.tokenUrl, () => HttpResponse.json({ error: 'invalid_grant' }, { status: 400 })));
    const { signIn } = setUp();
    const result = await signIn.handleCallback(await callbackOf(signIn));
    expect(result).toMatchObject({ status: 'error', error: { name: 'OAuthError', error: 'invalid_grant' } });
    expect(auth.revocationRequests).toHaveLength(0);
  });

  it('a refresh answered 2xx with a refresh_token but no access_token is refused without any revocation', async () => {
    const { signIn, tokens } = setUp();
    expect((await signIn.handleCallback(await callbackOf(signIn))).status).toBe('handled');
    let refreshes = 0;
    msw.use(
      http.post(auth.tokenUrl, () => {
        refreshes += 1;
        return HttpResponse.json({ refresh_token: 'another-refresh-token', token_type: 'Bearer' });
      }),
    );
    await expect(tokens.getTokens({ forceRefresh: true })).rejects.toMatchObject({
      reason: 'missing_access_token',
    });
    expect(refreshes).toBe(1);
    expect(auth.revocationRequests).toHaveLength(0);
  });
});
