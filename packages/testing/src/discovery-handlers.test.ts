import { discover } from '@tessera/core';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAuthServer } from './create-auth-server.js';
import { failUnhandledRequest } from './fail-unhandled-request.js';

const auth = createAuthServer({ issuer: 'https://auth.example.test' });
const other = createAuthServer({ issuer: 'https://other.example.test' });
const tenant = createAuthServer({ issuer: 'https://auth.example.test/tenants/a' });
const server = setupServer(...auth.handlers, ...other.handlers, ...tenant.handlers);

beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe('discovery and JWKS', () => {
  it.each(['openid-configuration', 'oauth-authorization-server'])('serves /.well-known/%s', async (name) => {
    const response = await fetch(`https://auth.example.test/.well-known/${name}`);
    expect(await response.json()).toMatchObject({
      issuer: 'https://auth.example.test',
      token_endpoint: 'https://auth.example.test/oauth/token',
      jwks_uri: 'https://auth.example.test/.well-known/jwks.json',
      grant_types_supported: ['authorization_code', 'client_credentials', 'password', 'refresh_token'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    });
  });

  it('serves the metadata of an issuer with a path where RFC 8414 §3.1 and OIDC Discovery put it', async () => {
    const rfc8414 = await fetch('https://auth.example.test/.well-known/oauth-authorization-server/tenants/a');
    const openid = await fetch('https://auth.example.test/tenants/a/.well-known/openid-configuration');
    for (const response of [rfc8414, openid]) {
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        issuer: 'https://auth.example.test/tenants/a',
        token_endpoint: 'https://auth.example.test/tenants/a/oauth/token',
      });
    }
  });

  it('is found by discover() of @tessera/core for an issuer with a path', async () => {
    const metadata = await discover(tenant.issuer);
    expect(metadata.token_endpoint).toBe(tenant.tokenUrl);
  });

  it('publishes the key that verifies its access tokens, and only its own', async () => {
    const { access_token } = await auth.issueTokens({ scope: 'orders:read' });
    const jwks = createRemoteJWKSet(new URL(auth.jwksUrl));
    const { payload, protectedHeader } = await jwtVerify(access_token, jwks, {
      issuer: 'https://auth.example.test',
      audience: 'https://api.example.test',
      typ: 'at+jwt',
    });
    expect(payload).toMatchObject({ sub: 'alice', scope: 'orders:read' });
    expect(protectedHeader.kid).toEqual(expect.any(String));
    const foreign = createRemoteJWKSet(new URL(other.jwksUrl));
    await expect(jwtVerify(access_token, foreign)).rejects.toThrow();
  });

  it('generates its signing key once per server', async () => {
    const first = await (await fetch(auth.jwksUrl)).json();
    await auth.issueTokens();
    auth.reset();
    const second = await (await fetch(auth.jwksUrl)).json();
    expect(second).toEqual(first);
    expect(first.keys).toHaveLength(1);
    expect(first.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(first.keys[0]).not.toHaveProperty('d');
  });
});
