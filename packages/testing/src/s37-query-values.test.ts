import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postToken } from '../test/token-request.js';
import { createAuthServer } from './create-auth-server.js';
import { failUnhandledRequest } from './fail-unhandled-request.js';

const api = 'https://api.example.test';
const auth = createAuthServer();
const server = setupServer(...auth.handlers, ...auth.protectedApi(api));
const redirectUri = 'https://app.example.test/callback';
// RFC 7636 Appendix B.
const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  auth.reset();
});
afterAll(() => server.close());

/** An openid sign-in with the authorization code flow: its code and token response. */
async function signIn(): Promise<{ code: string; tokens: Record<string, string> }> {
  const url = new URL(auth.authorizationUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: 'web',
    redirect_uri: redirectUri,
    scope: 'openid',
    state: 'st-1',
    nonce: 'n-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  const code = new URL(auth.authorize(url)).searchParams.get('code') ?? '';
  const form = { grant_type: 'authorization_code', client_id: 'web', code, redirect_uri: redirectUri };
  const response = await postToken(auth.tokenUrl, { form: { ...form, code_verifier: verifier } });
  return { code, tokens: await response.json() };
}

describe('auth.apiRequests hides every credential the server knows, whatever the query parameter is called', () => {
  it('hides an access, refresh and ID token, a code, a client secret and a password under any name', async () => {
    const { code, tokens } = await signIn();
    const issued = await auth.issueTokens();
    const sent: Record<string, string> = {
      jwt: tokens.access_token ?? '',
      t: tokens.refresh_token ?? '',
      idt: tokens.id_token ?? '',
      c: code,
      s: 'service-secret',
      pw: 'wonderland',
      bearer: issued.access_token,
      token: issued.access_token,
      id_token: tokens.id_token ?? '',
      page: '2',
    };
    for (const [name, value] of Object.entries(sent)) {
      await fetch(`${api}/orders?${name}=${encodeURIComponent(value)}&page=2`);
    }
    // A bare value (no `=`) is a name with an empty value to a server: hidden too.
    await fetch(`${api}/orders?${issued.refresh_token}`);
    const urls = auth.apiRequests.map((entry) => entry.url);
    expect(urls).toEqual([
      ...Object.keys(sent).map((name) =>
        name === 'page' ? `${api}/orders?page=2&page=2` : `${api}/orders?${name}=[REDACTED]&page=2`,
      ),
      `${api}/orders?[REDACTED]`,
    ]);
    const shown = JSON.stringify(auth.apiRequests);
    for (const value of [...Object.values(sent), issued.refresh_token ?? ''].filter((v) => v !== '2')) {
      expect(shown).not.toContain(value);
      expect(shown).not.toContain(encodeURIComponent(value));
    }
  });

  it('keeps a value that is no credential as sent, however it looks', async () => {
    await fetch(`${api}/orders?jwt=eyJhbGciOiJub25lIn0.e30.&q=wonderland2&cursor=abc`);
    expect(auth.apiRequests.map((entry) => entry.url)).toEqual([
      `${api}/orders?jwt=eyJhbGciOiJub25lIn0.e30.&q=wonderland2&cursor=abc`,
    ]);
  });
});
