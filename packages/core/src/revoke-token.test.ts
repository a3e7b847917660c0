import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isOAuthError } from './errors/guards.js';
import { HttpError } from './errors/http-error.js';
import { revokeToken } from './revoke-token.js';

const REVOCATION_URL = 'https://auth.example.test/oauth/revoke';
const seen: Array<{ form: URLSearchParams; authorization: string | null; accept: string | null }> = [];
const server = setupServer();
function failUnhandledRequest(request: Request): never {
  throw new Error(`No msw handler for ${request.method} ${new URL(request.url).pathname}`);
}
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  seen.length = 0;
});
afterAll(() => server.close());

function answer(response: () => Response): void {
  server.use(
    http.post(REVOCATION_URL, async ({ request }) => {
      seen.push({
        form: new URLSearchParams(await request.text()),
        authorization: request.headers.get('authorization'),
        accept: request.headers.get('accept'),
      });
      return response();
    }),
  );
}

describe('revokeToken (RFC 7009)', () => {
  it('posts the token with its hint for a public client, and resolves on 200 with an empty body', async () => {
    answer(() => new HttpResponse(null, { status: 200 }));
    await expect(
      revokeToken({
        revocationUrl: REVOCATION_URL,
        token: 'rt-1',
        tokenTypeHint: 'refresh_token',
        clientId: 'web',
      }),
    ).resolves.toBeUndefined();
    expect(seen).toHaveLength(1);
    expect(Object.fromEntries(seen[0]?.form ?? [])).toEqual({
      token: 'rt-1',
      token_type_hint: 'refresh_token',
      client_id: 'web',
    });
    expect(seen[0]?.authorization).toBeNull();
  });

  it('authenticates a confidential client with client_secret_basic', async () => {
    answer(() => new HttpResponse(null, { status: 200 }));
    await revokeToken({
      revocationUrl: REVOCATION_URL,
      token: 'at-1',
      clientId: 'svc',
      clientSecret: 'p@ss word',
    });
    expect(seen[0]?.authorization).toBe(`Basic ${btoa('svc:p%40ss+word')}`);
    expect(seen[0]?.form.has('token_type_hint')).toBe(false);
  });

  it('turns an OAuth error body into OAuthError naming the endpoint', async () => {
    answer(() => HttpResponse.json({ error: 'unsupported_token_type' }, { status: 400 }));
    const error = await revokeToken({ revocationUrl: REVOCATION_URL, token: 'x-1', clientId: 'web' }).catch(
      (e: unknown) => e,
    );
    expect(isOAuthError(error, 'unsupported_token_type')).toBe(true);
    expect((error as Error).message).toBe(
      'unsupported_token_type (HTTP 400) — POST https://auth.example.test/oauth/revoke',
    );
  });

  it('reports a 503 as a transient HttpError and a redirect as an error it does not follow', async () => {
    answer(() => new HttpResponse('down', { status: 503 }));
    const down = await revokeToken({ revocationUrl: REVOCATION_URL, token: 'rt-1' }).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(HttpError);
    expect(down).toMatchObject({ status: 503, transient: true });
    expect((down as Error).message).toBe(
      'Revocation request failed with HTTP 503 — POST https://auth.example.test/oauth/revoke',
    );

    server.resetHandlers();
    answer(() => new HttpResponse(null, { status: 302, headers: { Location: 'https://elsewhere.test/' } }));
    await expect(revokeToken({ revocationUrl: REVOCATION_URL, token: 'rt-1' })).rejects.toMatchObject({
      status: 302,
      transient: false,
    });
  });

  it('refuses an http revocation URL off loopback and an empty token, sending nothing', async () => {
    await expect(
      revokeToken({ revocationUrl: 'http://auth.example.test/revoke', token: 'rt-1' }),
    ).rejects.toThrow(/revokeToken: revocationUrl uses http:.*allowInsecureHttp: true/);
    await expect(revokeToken({ revocationUrl: REVOCATION_URL, token: '' })).rejects.toBeInstanceOf(TypeError);
    expect(seen).toHaveLength(0);
  });
});
