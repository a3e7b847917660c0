import { createLocalJWKSet, jwtVerify } from 'jose';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postToken } from '../test/token-request.js';
import { createAuthServer } from './create-auth-server.js';
import { failUnhandledRequest } from './fail-unhandled-request.js';
import { createTestClock } from './test-clock.js';

const start = Date.parse('2026-01-01T00:00:00Z');
const clock = createTestClock(start);
const auth = createAuthServer({ clock: clock.now });
const server = setupServer(...auth.handlers);
const redirectUri = 'https://app.example.test/callback';
// RFC 7636 Appendix B.
const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
type Json = Record<string, string | undefined>;

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  auth.reset();
  clock.set(start);
});
afterAll(() => server.close());

/** Signs in with the authorization code flow and returns the token response of the exchange. */
async function signIn(scope: string): Promise<Json> {
  const url = new URL(auth.authorizationUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: 'web',
    redirect_uri: redirectUri,
    scope,
    state: 'st-1',
    nonce: 'n-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  const code = new URL(auth.authorize(url)).searchParams.get('code') ?? '';
  const form = { grant_type: 'authorization_code', client_id: 'web', code, redirect_uri: redirectUri };
  return (await postToken(auth.tokenUrl, { form: { ...form, code_verifier: verifier } })).json();
}

async function refresh(refreshToken: string | undefined, form: Record<string, string> = {}): Promise<Json> {
  const grant = { grant_type: 'refresh_token', client_id: 'web', refresh_token: refreshToken ?? '' };
  return (await postToken(auth.tokenUrl, { form: { ...grant, ...form } })).json();
}

async function verified(idToken: string | undefined) {
  const jwks = createLocalJWKSet(await (await fetch(auth.jwksUrl)).json());
  return jwtVerify(idToken ?? '', jwks, { currentDate: new Date(clock.now()) });
}

describe('refresh of an openid sign-in (OpenID Connect Core §12.2)', () => {
  it('returns a new ES256 id_token: same sub, aud and auth_time, new iat and exp, no nonce', async () => {
    const first = await signIn('openid orders:read');
    clock.advance(120_000);
    const refreshed = await refresh(first.refresh_token);
    const { payload, protectedHeader } = await verified(refreshed.id_token);
    const signedIn = start / 1000;
    const now = signedIn + 120;
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'JWT' });
    expect(payload).toEqual({
      iss: auth.issuer,
      sub: 'alice',
      aud: 'web',
      iat: now,
      exp: now + 300,
      auth_time: signedIn,
    });
    expect(refreshed.id_token).not.toBe(first.id_token);
    expect(auth.tokenRequests.map((entry) => [entry.grantType, entry.status])).toEqual([
      ['authorization_code', 200],
      ['refresh_token', 200],
    ]);
  });

  it('keeps doing so after each rotation', async () => {
    const first = await signIn('openid');
    const second = await refresh(first.refresh_token);
    const third = await refresh(second.refresh_token);
    expect((await verified(third.id_token)).payload.sub).toBe('alice');
  });

  it('returns no id_token for a sign-in without openid, a refresh narrowed to drop it, or a password sign-in', async () => {
    const plain = await signIn('orders:read');
    expect(await refresh(plain.refresh_token)).not.toHaveProperty('id_token');
    const openid = await signIn('openid orders:read');
    expect(await refresh(openid.refresh_token, { scope: 'orders:read' })).not.toHaveProperty('id_token');
    const password = (await (
      await postToken(auth.tokenUrl, {
        form: {
          grant_type: 'password',
          client_id: 'web',
          username: 'alice',
          password: 'wonderland',
          scope: 'openid',
        },
      })
    ).json()) as Json;
    expect(password).not.toHaveProperty('id_token');
    expect(await refresh(password.refresh_token)).not.toHaveProperty('id_token');
  });
});
