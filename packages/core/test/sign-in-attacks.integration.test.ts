import { createHmac } from 'node:crypto';
import {
  type IdentityProvider,
  signInThroughForms,
  startIdentityProvider,
} from '@tessera/example-identity-provider';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isOAuthError, type SignInOptions, TokenManager, type TokenResponse } from '../src/index.js';
import { createSignIn } from '../src/sign-in/create-sign-in.js';
import { fakeStorageArea } from './fixtures/fake-storage-area.js';

// An attacker of the callback and of the token endpoint's answer, against a real oidc-provider. Each
// browser (a victim's tab, an attacker's) is its own transaction storage; callback URLs are handed to
// handleCallback explicitly, as in sign-in.integration.test.ts.
const APP = 'http://127.0.0.1:5998';
let provider: IdentityProvider;
/** Another provider: its `iss` in the first one's callback is a mix-up (RFC 9207). */
let other: IdentityProvider;

beforeAll(async () => {
  [provider, other] = await Promise.all([
    startIdentityProvider({ port: 0, appOrigins: [APP] }),
    startIdentityProvider({ port: 0, appOrigins: [APP] }),
  ]);
});
afterAll(async () => {
  await Promise.all([provider?.close(), other?.close()]);
});

/** One browser tab of the app: its own sessionStorage, its own manager. */
function tab(options: Partial<SignInOptions> = {}, create: typeof createSignIn = createSignIn) {
  const tokens = new TokenManager({ fetchTokens: (context) => signIn.fetchTokens(context), retry: false });
  const signIn = create({
    issuer: provider.issuer,
    clientId: provider.clientId,
    redirectUri: `${APP}/callback`,
    scope: 'openid profile email',
    tokens,
    transactionStorage: fakeStorageArea(),
    navigate: () => {},
    ...options,
  });
  return { signIn, tokens };
}

/** A sign-in through the provider's forms: the callback URL it redirects `at` to. */
const signInAtProvider = async (at: ReturnType<typeof tab>) =>
  new URL(await signInThroughForms(await at.signIn.buildAuthorizationUrl()));

const codeExchanges = () =>
  provider.tokenRequests('authorization_code').map((entry) => entry.error ?? entry.status);

describe('code injection: a code of another sign-in in a callback of this one', () => {
  it.each([
    ['an attacker’s own sign-in in another browser', false],
    ['the other of two sign-ins pending in this tab', true],
  ])(
    'from %s: PKCE fails at the token endpoint, an OAuthError invalid_grant, nothing stored',
    async (_, sameTab) => {
      const victim = tab();
      const attacker = sameTab ? victim : tab();
      const injected = await signInAtProvider(attacker);
      const callback = await signInAtProvider(victim);
      callback.searchParams.set('code', injected.searchParams.get('code') ?? '');
      const before = codeExchanges();

      const result = await victim.signIn.handleCallback(callback);
      expect(result).toMatchObject({
        status: 'error',
        error: { name: 'OAuthError', code: 'OAUTH_ERROR', error: 'invalid_grant' },
      });
      expect(result.status === 'error' && isOAuthError(result.error, 'invalid_grant')).toBe(true);
      expect(codeExchanges()).toEqual([...before, 'invalid_grant']);
      expect(victim.tokens.peekTokens()).toBeUndefined();
      expect(victim.signIn.claims()).toBeUndefined();
    },
  );
});

describe('mix-up (RFC 9207) at a provider that sends iss', () => {
  it('the provider advertises authorization_response_iss_parameter_supported and sends iss', async () => {
    const metadata = await (await fetch(`${provider.issuer}/.well-known/openid-configuration`)).json();
    expect(metadata).toMatchObject({ authorization_response_iss_parameter_supported: true });
    expect((await signInAtProvider(tab())).searchParams.get('iss')).toBe(provider.issuer);
  });

  it.each([
    ['the iss of another issuer', (callback: URL) => callback.searchParams.set('iss', other.issuer)],
    ['no iss', (callback: URL) => callback.searchParams.delete('iss')],
  ])('a callback with %s is an IssuerMismatchError: no token request, nothing stored', async (_, tamper) => {
    const victim = tab();
    const { signIn, tokens } = victim;
    const callback = await signInAtProvider(victim);
    tamper(callback);
    const before = provider.tokenRequests().length;
    expect(await signIn.handleCallback(callback)).toMatchObject({
      status: 'error',
      error: { name: 'IssuerMismatchError', code: 'ISSUER_MISMATCH' },
    });
    expect(provider.tokenRequests()).toHaveLength(before);
    expect(other.tokenRequests()).toHaveLength(0);
    expect(tokens.peekTokens()).toBeUndefined();
  });
});

describe('a state of another tab', () => {
  it('is unknown here (no token request) and the other tab still completes its sign-in', async () => {
    const here = tab();
    await here.signIn.buildAuthorizationUrl();
    // Another tab is another page: its own module state (callbacks in progress) too.
    vi.resetModules();
    const there = tab({}, (await import('../src/sign-in/create-sign-in.js')).createSignIn);
    const callback = await signInAtProvider(there);
    const before = provider.tokenRequests().length;
    expect(await here.signIn.handleCallback(callback)).toMatchObject({
      status: 'error',
      error: { code: 'STALE_CALLBACK', reason: 'unknown-state' },
    });
    expect(provider.tokenRequests()).toHaveLength(before);
    expect(await there.signIn.handleCallback(callback)).toMatchObject({
      status: 'handled',
      claims: { sub: 'alice' },
    });
    expect(provider.tokenRequests()).toHaveLength(before + 1);
  });
});

/** A compact JWT with `header` and the payload of `jwt`, signed by `sign` (none: empty signature). */
function reheaded(jwt: string, header: Record<string, unknown>, sign?: (input: string) => string): string {
  const [, payload] = jwt.split('.');
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${payload}`;
  return `${input}.${sign?.(input) ?? ''}`;
}

const unsigned = (jwt: string) => reheaded(jwt, { alg: 'none', typ: 'JWT' });
/** HS256 keyed with a client secret, which this public client (`token_endpoint_auth_method: none`) has none of. */
const macSigned = (jwt: string) =>
  reheaded(jwt, { alg: 'HS256', typ: 'JWT' }, (input) =>
    createHmac('sha256', 'a-client-secret').update(input).digest('base64url'),
  );

/** A fetch whose token answers get their id_token rewritten by `rewrite` while `active()` holds. */
function rewritingIdTokens(
  rewrite: (jwt: string) => string,
  active: () => boolean = () => true,
): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (String(input) !== `${provider.issuer}/token` || !active()) return response;
    const body = (await response.json()) as TokenResponse;
    if (typeof body.id_token === 'string') body.id_token = rewrite(body.id_token);
    return Response.json(body, { status: response.status });
  };
}

describe('an ID token that is unsigned or signed with a client secret', () => {
  it.each([
    ['alg none', unsigned],
    ['HS256 (a public client has no secret)', macSigned],
  ])('with %s at the code exchange: IdTokenError, nothing stored', async (_, rewrite) => {
    const { signIn, tokens } = tab({ fetch: rewritingIdTokens(rewrite) });
    const callback = await signInAtProvider({ signIn, tokens });
    const result = await signIn.handleCallback(callback);
    expect(result).toMatchObject({
      status: 'error',
      error: { name: 'IdTokenError', code: 'INVALID_ID_TOKEN', check: 'format' },
    });
    expect(JSON.stringify(result)).not.toMatch(/eyJ/);
    expect(tokens.peekTokens()).toBeUndefined();
    expect(signIn.claims()).toBeUndefined();
  });

  it.each([
    ['alg none', unsigned],
    ['HS256', macSigned],
  ])('with %s on a refresh: IdTokenError, the session keeps its tokens and claims', async (_, rewrite) => {
    let tampering = false;
    const { signIn, tokens } = tab({ fetch: rewritingIdTokens(rewrite, () => tampering) });
    expect((await signIn.handleCallback(await signInAtProvider({ signIn, tokens }))).status).toBe('handled');
    const session = tokens.peekTokens();
    tampering = true;
    await expect(tokens.getAccessToken({ forceRefresh: true })).rejects.toMatchObject({
      name: 'IdTokenError',
      check: 'format',
    });
    expect(tokens.peekTokens()).toBe(session);
    expect(signIn.claims()).toMatchObject({ sub: 'alice' });
  });
});
