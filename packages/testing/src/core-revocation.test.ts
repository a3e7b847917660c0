import {
  createSignIn,
  discover,
  OAuthError,
  refreshTokenGrant,
  revokeToken,
  TokenManager,
} from '@tessera/core';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAuthServer } from './create-auth-server.js';
import { failUnhandledRequest } from './fail-unhandled-request.js';

const auth = createAuthServer({
  issuer: 'https://revoke.example.test',
  clients: [
    { clientId: 'web' },
    { clientId: 'svc', clientSecret: 's3cret' },
    { clientId: 'svc2', clientSecret: 'x' },
  ],
});
const api = 'https://api.example.test';
const server = setupServer(...auth.handlers, ...auth.protectedApi(api));

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  auth.reset();
});
afterAll(() => server.close());

const apiStatus = async (accessToken: string): Promise<number> =>
  (await fetch(`${api}/me`, { headers: { Authorization: `Bearer ${accessToken}` } })).status;

describe('with @tessera/core revokeToken and signOut', () => {
  it("revokes a refresh token at the discovered revocation_endpoint, and the manager's refresh then fails", async () => {
    const { revocation_endpoint } = await discover(auth.issuer);
    expect(revocation_endpoint).toBe(auth.revocationUrl);
    const tokens = new TokenManager({
      retry: false,
      fetchTokens: refreshTokenGrant({ tokenUrl: auth.tokenUrl, clientId: 'web' }),
    });
    const session = await auth.issueTokens();
    await tokens.setTokens(session);
    await revokeToken({
      revocationUrl: revocation_endpoint ?? '',
      token: session.refresh_token ?? '',
      tokenTypeHint: 'refresh_token',
      clientId: 'web',
    });
    expect(auth.revocationRequests).toEqual([
      {
        tokenTypeHint: 'refresh_token',
        clientId: 'web',
        status: 200,
        revoked: 'refresh_token',
        at: expect.any(Number),
      },
    ]);
    expect(await apiStatus(session.access_token)).toBe(401);
    await expect(tokens.getAccessToken({ forceRefresh: true })).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it.each(['client_secret_basic', 'client_secret_post'] as const)(
    'revokes an access token with %s',
    async (authMethod) => {
      const session = await auth.issueTokens({ clientId: 'svc' });
      await revokeToken({
        revocationUrl: auth.revocationUrl,
        token: session.access_token,
        clientId: 'svc',
        clientSecret: 's3cret',
        authMethod,
      });
      expect(await apiStatus(session.access_token)).toBe(401);
      expect(auth.revocationRequests[0]).toMatchObject({
        clientId: 'svc',
        status: 200,
        revoked: 'access_token',
      });
    },
  );

  it('resolves for a token the server does not know (RFC 7009 §2.2)', async () => {
    await expect(
      revokeToken({ revocationUrl: auth.revocationUrl, token: 'never-issued', clientId: 'web' }),
    ).resolves.toBeUndefined();
  });

  it("rejects with OAuthError invalid_request for another client's token, and invalid_client for a wrong secret", async () => {
    const session = await auth.issueTokens({ clientId: 'svc2' });
    const attempt = (clientSecret: string) =>
      revokeToken({
        revocationUrl: auth.revocationUrl,
        token: session.access_token,
        clientId: 'svc',
        clientSecret,
      });
    const foreign = await attempt('s3cret').catch((error: unknown) => error);
    expect(foreign).toBeInstanceOf(OAuthError);
    expect(foreign).toMatchObject({ error: 'invalid_request', status: 400 });
    const wrong = await attempt('wrong').catch((error: unknown) => error);
    expect(wrong).toMatchObject({ error: 'invalid_client', status: 401 });
    expect(String((wrong as Error).message)).not.toContain(session.access_token);
    expect(await apiStatus(session.access_token)).toBe(200);
  });

  it('signOut() revokes the refresh token at the kit and clears the manager', async () => {
    const tokens = new TokenManager({
      retry: false,
      fetchTokens: refreshTokenGrant({ tokenUrl: auth.tokenUrl, clientId: 'web' }),
    });
    const session = await auth.issueTokens();
    await tokens.setTokens(session);
    const signIn = createSignIn({
      issuer: auth.issuer,
      clientId: 'web',
      redirectUri: 'https://app.example.test/callback',
      tokens,
      navigate: () => {},
    });
    const result = await signIn.signOut();
    expect(result).toEqual({ revoked: true, warnings: [], logoutUrl: undefined });
    expect(auth.revocationRequests).toEqual([
      {
        tokenTypeHint: 'refresh_token',
        clientId: 'web',
        status: 200,
        revoked: 'refresh_token',
        at: expect.any(Number),
      },
    ]);
    expect(await tokens.ready()).toBeUndefined();
    // The refresh token a thief may have copied is dead, and so is the access token it bought.
    expect(await apiStatus(session.access_token)).toBe(401);
    const replay = await fetch(auth.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: session.refresh_token ?? '',
        client_id: 'web',
      }),
    });
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });
  });
});
