import {
  type ExampleApi,
  type IdentityProvider,
  signInThroughForms,
  startExampleApi,
  startIdentityProvider,
} from '@tessera/example-identity-provider';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  isOAuthError,
  isTesseraError,
  requestToken,
  type SignInOptions,
  TokenManager,
  type TokenResponse,
} from '../src/index.js';
import { createSignIn } from '../src/sign-in/create-sign-in.js';
import { fakeStorageArea } from './fixtures/fake-storage-area.js';

// Sign-in against a real oidc-provider configured like a production SPA client, driven over HTTP the
// way a browser would (its login form, cookies, redirects). The browser itself is simulated: the
// callback URL is handed to handleCallback explicitly.
const APP = 'http://127.0.0.1:5999';
let provider: IdentityProvider;
/** Like `provider`, but revoking a refresh token revokes that token alone, not its grant. */
let perTokenProvider: IdentityProvider;
let api: ExampleApi;

beforeAll(async () => {
  [provider, perTokenProvider] = await Promise.all([
    startIdentityProvider({ port: 0, appOrigins: [APP] }),
    startIdentityProvider({ port: 0, appOrigins: [APP], revokeGrant: false }),
  ]);
  api = await startExampleApi({ issuer: provider.issuer, audience: provider.apiResource, appOrigins: [APP] });
});
afterAll(async () => {
  await Promise.all([provider?.close(), perTokenProvider?.close(), api?.close()]);
});

function setUp(options: Partial<SignInOptions> = {}, at: IdentityProvider = provider) {
  const navigations: string[] = [];
  const tokens = new TokenManager({ fetchTokens: (context) => signIn.fetchTokens(context), retry: false });
  const signIn = createSignIn({
    issuer: at.issuer,
    clientId: at.clientId,
    redirectUri: `${APP}/callback`,
    postLogoutRedirectUri: `${APP}/`,
    scope: 'openid profile email api:read',
    tokens,
    transactionStorage: fakeStorageArea(),
    navigate: (url) => void navigations.push(url),
    ...options,
  });
  return { signIn, tokens, navigations };
}

async function callApi(accessToken: string) {
  const response = await fetch(`${api.url}/me`, { headers: { Authorization: `Bearer ${accessToken}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const refreshWith = (refreshToken: string, at: IdentityProvider = provider) =>
  requestToken({
    tokenUrl: `${at.issuer}/token`,
    grantType: 'refresh_token',
    clientId: at.clientId,
    params: { refresh_token: refreshToken },
  });

describe('sign-in with authorization code + PKCE against oidc-provider', () => {
  it('signs in through the login form, calls the API, rotates on refresh, and a reused refresh token ends the grant', async () => {
    const { signIn, tokens } = setUp();
    const url = await signIn.buildAuthorizationUrl({ returnTo: '/orders' });
    const callback = await signInThroughForms(url);
    expect(new URL(callback).searchParams.get('iss')).toBe(provider.issuer);

    const result = await signIn.handleCallback(callback);
    expect(result).toMatchObject({
      status: 'handled',
      returnTo: '/orders',
      claims: { sub: 'alice', name: 'Alice Liddell', email: 'alice@example.test' },
    });
    expect(provider.tokenRequests('authorization_code').map((entry) => entry.status)).toEqual([200]);
    const first = tokens.peekTokens();
    expect(first?.refreshToken).toBeTruthy();
    expect(await callApi(first?.accessToken ?? '')).toMatchObject({
      status: 200,
      body: { sub: 'alice', scope: 'api:read' },
    });

    const refreshed = await tokens.getTokens({ forceRefresh: true });
    expect(refreshed.accessToken).not.toBe(first?.accessToken);
    expect(refreshed.refreshToken).not.toBe(first?.refreshToken);
    expect(refreshed.idToken).toBeTruthy();
    expect((await callApi(refreshed.accessToken)).status).toBe(200);

    // The rotated-out refresh token is used again (stolen, or a lost race): the provider revokes the grant.
    await expect(refreshWith(first?.refreshToken ?? '')).rejects.toSatisfy((error) =>
      isOAuthError(error, 'invalid_grant'),
    );
    await expect(tokens.getAccessToken({ forceRefresh: true })).rejects.toSatisfy((error) =>
      isOAuthError(error, 'invalid_grant'),
    );
    expect(tokens.peekTokens()).toBeUndefined();
    expect(provider.tokenRequests('refresh_token').map((entry) => entry.error ?? entry.status)).toEqual([
      200,
      'invalid_grant',
      'invalid_grant',
    ]);
  });

  it('signOut revokes the refresh token at the provider; a later refresh with it fails with invalid_grant', async () => {
    const { signIn, tokens } = setUp();
    await signIn.handleCallback(await signInThroughForms(await signIn.buildAuthorizationUrl()));
    const session = tokens.peekTokens();
    const result = await signIn.signOut({ navigate: false });
    expect(result).toMatchObject({ revoked: true, warnings: [] });
    expect(provider.requestLog.filter((entry) => entry.path === '/token/revocation').at(-1)?.status).toBe(
      200,
    );
    expect(Object.fromEntries(result.logoutUrl?.searchParams ?? [])).toEqual({
      id_token_hint: session?.idToken,
      client_id: provider.clientId,
      post_logout_redirect_uri: `${APP}/`,
    });
    expect(tokens.peekTokens()).toBeUndefined();
    // The provider accepts the logout URL (a wrong parameter such as redirect_uri would be a 400 error page).
    const logout = await fetch(result.logoutUrl ?? '', { redirect: 'manual' });
    expect(logout.status).toBe(200);
    expect(await logout.text()).toContain('<form');
    await expect(refreshWith(session?.refreshToken ?? '')).rejects.toSatisfy((error) =>
      isOAuthError(error, 'invalid_grant'),
    );
  });

  it.each([
    ['revokes the whole grant (oidc-provider)', () => provider],
    ['revokes only the refresh token presented', () => perTokenProvider],
  ])(
    'signOut while a refresh is in flight leaves no refresh token the provider still accepts, when it %s',
    async (_, at) => {
      // The refresh has rotated the token at the provider, but the manager has not seen the new one yet:
      // sign-out must revoke that one as well as the rotated-out one it holds.
      const idp = at();
      let answered: () => void = () => {};
      const providerAnswered = new Promise<void>((resolve) => {
        answered = resolve;
      });
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const issued: string[] = [];
      // The answer of the refresh is held in `fetch`, after the provider has rotated the refresh token.
      const fetchHeld: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        if (
          String(input) === `${idp.issuer}/token` &&
          new URLSearchParams(String(init?.body)).get('grant_type') === 'refresh_token'
        ) {
          const rotated = ((await response.clone().json()) as TokenResponse).refresh_token;
          if (rotated) issued.push(rotated);
          answered();
          await held;
        }
        return response;
      };
      const { signIn, tokens } = setUp({ fetch: fetchHeld }, idp);
      await signIn.handleCallback(await signInThroughForms(await signIn.buildAuthorizationUrl()));
      const first = tokens.peekTokens()?.refreshToken ?? '';
      const refresh = tokens.getTokens({ forceRefresh: true }).catch((error: unknown) => error);
      await providerAnswered;
      const before = idp.tokenRequests().length;
      const logged = idp.requestLog.length;
      const signingOut = signIn.signOut({ navigate: false });
      const caller = tokens.getAccessToken().catch((error: unknown) => error);
      release();
      expect(await signingOut).toMatchObject({ revoked: true, warnings: [] });
      expect(
        idp.requestLog
          .slice(logged)
          .filter((entry) => entry.path === '/token/revocation')
          .map((entry) => entry.status),
      ).toEqual([200, 200]);
      expect(isTesseraError(await refresh, 'LOGIN_REQUIRED')).toBe(true);
      expect(isTesseraError(await caller, 'LOGIN_REQUIRED')).toBe(true);
      expect(idp.tokenRequests()).toHaveLength(before);
      expect(tokens.peekTokens()).toBeUndefined();
      expect(issued).toHaveLength(1);
      expect(issued[0]).not.toBe(first);
      // Newest first: presenting the rotated-out one is reuse, which ends the grant and would hide a leak.
      for (const refreshToken of [...issued, first]) {
        await expect(refreshWith(refreshToken, idp)).rejects.toSatisfy((error) =>
          isOAuthError(error, 'invalid_grant'),
        );
      }
    },
  );

  it('Cancel on the login page comes back as access_denied, with no token request', async () => {
    const { signIn } = setUp();
    const before = provider.tokenRequests().length;
    const callback = await signInThroughForms(await signIn.buildAuthorizationUrl(), { login: 'cancel' });
    const result = await signIn.handleCallback(callback);
    expect(result.status === 'error' && isOAuthError(result.error, 'access_denied')).toBe(true);
    expect(provider.tokenRequests()).toHaveLength(before);
  });

  it.each([
    [
      'without iss (the provider advertises it, RFC 9207)',
      (callback: URL) => callback.searchParams.delete('iss'),
    ],
    [
      'with the iss of another issuer',
      (callback: URL) => callback.searchParams.set('iss', 'https://evil.example.test'),
    ],
    [
      'with access_denied and no iss',
      (callback: URL) => {
        callback.search = `?error=access_denied&state=${callback.searchParams.get('state')}`;
      },
    ],
  ])(
    'a callback %s is an IssuerMismatchError with zero token requests at the provider',
    async (_, tamper) => {
      const { signIn, tokens } = setUp();
      const callback = new URL(await signInThroughForms(await signIn.buildAuthorizationUrl()));
      tamper(callback);
      const before = provider.tokenRequests().length;
      expect(await signIn.handleCallback(callback)).toMatchObject({
        status: 'error',
        error: { name: 'IssuerMismatchError', code: 'ISSUER_MISMATCH' },
      });
      expect(provider.tokenRequests()).toHaveLength(before);
      expect(tokens.peekTokens()).toBeUndefined();
    },
  );

  it('a used callback URL opened again after a reload (Back) sends no second token request: the session stays', async () => {
    const transactionStorage = fakeStorageArea();
    const { signIn, tokens } = setUp({ transactionStorage });
    const callback = await signInThroughForms(await signIn.buildAuthorizationUrl());
    expect((await signIn.handleCallback(callback)).status).toBe('handled');
    const session = tokens.peekTokens();
    const exchanges = provider.tokenRequests('authorization_code').length;
    // A reload: the module state (callbacks of this page) starts empty, the transaction storage survives.
    vi.resetModules();
    const reloaded = (await import('../src/sign-in/create-sign-in.js')).createSignIn;
    const again = reloaded({
      issuer: provider.issuer,
      clientId: provider.clientId,
      redirectUri: `${APP}/callback`,
      tokens,
      transactionStorage,
      navigate: () => {},
    });
    expect(await again.handleCallback(callback)).toEqual({ status: 'not-a-callback', cleaned: true });
    expect(provider.tokenRequests('authorization_code')).toHaveLength(exchanges);
    expect(tokens.peekTokens()).toBe(session);
  });

  it('a tampered state is rejected with zero token requests at the provider', async () => {
    const { signIn } = setUp();
    const callback = new URL(await signInThroughForms(await signIn.buildAuthorizationUrl()));
    callback.searchParams.set('state', 'tampered');
    const before = provider.tokenRequests().length;
    expect(await signIn.handleCallback(callback)).toMatchObject({
      status: 'error',
      error: { code: 'STALE_CALLBACK', reason: 'unknown-state' },
    });
    expect(provider.tokenRequests()).toHaveLength(before);
  });

  it('a callback that repeats code is refused with zero token requests at the provider, and so is the clean one after it', async () => {
    const { signIn } = setUp();
    const callback = await signInThroughForms(await signIn.buildAuthorizationUrl());
    const polluted = new URL(callback);
    polluted.searchParams.append('code', 'attacker-code');
    const before = provider.tokenRequests().length;
    const result = await signIn.handleCallback(polluted);
    expect(result).toMatchObject({
      status: 'error',
      error: { name: 'StaleCallbackError', code: 'STALE_CALLBACK', reason: 'repeated-parameter' },
    });
    expect(await signIn.handleCallback(callback)).toMatchObject({
      status: 'error',
      error: { code: 'STALE_CALLBACK' },
    });
    expect(provider.tokenRequests()).toHaveLength(before);
  });

  it('a code in the query beside an error in the hash is refused with zero token requests at the provider (decision 1106)', async () => {
    const { signIn, tokens } = setUp();
    const split = new URL(await signInThroughForms(await signIn.buildAuthorizationUrl()));
    split.hash = 'error=access_denied&error_description=Call%20us';
    const before = provider.tokenRequests().length;
    const result = await signIn.handleCallback(split);
    expect(result).toMatchObject({
      status: 'error',
      error: { name: 'StaleCallbackError', code: 'STALE_CALLBACK', reason: 'repeated-parameter' },
    });
    expect(result.status === 'error' && result.error.message).not.toContain('Call us');
    expect(provider.tokenRequests()).toHaveLength(before);
    expect(tokens.peekTokens()).toBeUndefined();
  });

  it('a callback with an empty code is refused with zero token requests at the provider', async () => {
    const { signIn } = setUp();
    const empty = new URL(await signInThroughForms(await signIn.buildAuthorizationUrl()));
    empty.searchParams.set('code', '');
    const before = provider.tokenRequests().length;
    expect(await signIn.handleCallback(empty)).toMatchObject({
      status: 'error',
      error: { name: 'StaleCallbackError', code: 'STALE_CALLBACK', reason: 'missing-code' },
    });
    expect(provider.tokenRequests()).toHaveLength(before);
  });

  it('a code exchange for openid whose answer lost its id_token is refused and stores no tokens', async () => {
    // The provider issues an ID token; the answer reaching the client has none (a proxy, a downgrade).
    const withoutIdToken: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (String(input) !== `${provider.issuer}/token`) return response;
      const { id_token: _, ...rest } = (await response.json()) as TokenResponse;
      return Response.json(rest, { status: response.status });
    };
    const { signIn, tokens } = setUp({ fetch: withoutIdToken });
    const callback = await signInThroughForms(await signIn.buildAuthorizationUrl());
    const before = provider.tokenRequests('authorization_code').length;
    const result = await signIn.handleCallback(callback);
    expect(result).toMatchObject({
      status: 'error',
      error: { name: 'MalformedResponseError', code: 'MALFORMED_RESPONSE', reason: 'missing_id_token' },
    });
    expect(result.status === 'error' && result.error.message).toContain(`POST ${provider.issuer}/token`);
    expect(provider.tokenRequests('authorization_code')).toHaveLength(before + 1);
    expect(tokens.peekTokens()).toBeUndefined();
    expect(signIn.claims()).toBeUndefined();
  });

  it('a code exchange refused after the code was spent revokes what it brought: its refresh token is dead', async () => {
    // A provider that revokes only the token presented: the refresh token dies only if it is revoked itself.
    const idp = perTokenProvider;
    let issued: TokenResponse | undefined;
    const withoutIdToken: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (String(input) !== `${idp.issuer}/token`) return response;
      const { id_token: _, ...rest } = (await response.json()) as TokenResponse;
      issued = rest;
      return Response.json(rest, { status: response.status });
    };
    const { signIn, tokens } = setUp({ fetch: withoutIdToken }, idp);
    const callback = await signInThroughForms(await signIn.buildAuthorizationUrl());
    const logged = idp.requestLog.length;
    expect(await signIn.handleCallback(callback)).toMatchObject({
      status: 'error',
      error: { name: 'MalformedResponseError', reason: 'missing_id_token' },
    });
    expect(tokens.peekTokens()).toBeUndefined();
    expect(issued?.refresh_token).toBeTruthy();
    expect(
      idp.requestLog
        .slice(logged)
        .filter((entry) => entry.path === '/token/revocation')
        .map((entry) => entry.status),
    ).toEqual([200, 400]); // the refresh token, then the access token: a JWT, which it cannot revoke (unsupported_token_type)
    await expect(refreshWith(issued?.refresh_token ?? '', idp)).rejects.toSatisfy((error) =>
      isOAuthError(error, 'invalid_grant'),
    );
  });

  it('the provider requires PKCE and answers CORS only for the app origin', async () => {
    const { signIn } = setUp();
    const url = await signIn.buildAuthorizationUrl();
    url.searchParams.delete('code_challenge');
    url.searchParams.delete('code_challenge_method');
    const callback = new URL(await signInThroughForms(url));
    expect(callback.searchParams.get('error')).toBe('invalid_request');

    const tokenRequestFrom = (origin: string) =>
      fetch(`${provider.issuer}/token`, {
        method: 'POST',
        headers: { Origin: origin },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: 'x',
          client_id: provider.clientId,
        }),
      });
    const allowed = await tokenRequestFrom(APP);
    const foreign = await tokenRequestFrom('http://127.0.0.1:6666');
    expect(allowed.headers.get('access-control-allow-origin')).toBe(APP);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });
});
