import { isOAuthError, OAuthError } from '@tessera/core';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runUntilExit } from '../../core/test/fixtures/run-until-exit.js';
import { type ClientCredentials, type ClientCredentialsOptions, clientCredentials } from '../src/index.js';
import {
  BASIC,
  DEFAULT_RESOURCE,
  JWT,
  POST,
  RESOURCES,
  type RunningProvider,
  startProvider,
  TOKEN_TTL,
} from './oidc-provider-server.js';

let provider: RunningProvider;
let jwks: ReturnType<typeof createRemoteJWKSet>;
const clients: ClientCredentials[] = [];

beforeAll(async () => {
  provider = await startProvider();
  jwks = createRemoteJWKSet(provider.jwksUrl);
});
afterEach(() => {
  for (const client of clients.splice(0)) client.dispose();
  vi.useRealTimers();
});
afterAll(() => provider.stop());

function client(options: Partial<ClientCredentialsOptions>): ClientCredentials {
  const created = clientCredentials({
    tokenUrl: provider.tokenUrl,
    ...BASIC,
    ...options,
  } as ClientCredentialsOptions);
  clients.push(created);
  return created;
}

/** Verifies an access token as a resource server would: signature, `iss`, `aud`, and `exp` against now. */
async function verify(token: string, audience: string) {
  const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: provider.issuer, audience });
  return { payload, alg: protectedHeader.alg };
}

describe('@tessera/node against oidc-provider', () => {
  it.each([
    ['client_secret_basic', BASIC],
    ['client_secret_post', { ...POST, authMethod: 'client_secret_post' }],
    ['private_key_jwt', { clientId: JWT.clientId, clientSecret: undefined, privateKey: JWT.privateKeyPem }],
  ] as const)('obtains a token with %s that verifies with iss and aud', async (_, credentials) => {
    const tokens = client({ ...credentials, resource: RESOURCES[0] });

    const { payload, alg } = await verify(await tokens.getAccessToken(), RESOURCES[0]);

    expect(alg).toBe('RS256');
    expect(payload.client_id).toBe(credentials.clientId);
  });

  it('signs the assertion for the token endpoint it requests, however tokenUrl is spelled: a token each, no invalid_client', async () => {
    // The request goes to the URL as `URL` parses it; the server compares `aud` with its own token
    // endpoint as a string, so an `aud` spelled as configured (upper-case scheme or host, a dot
    // segment, an explicit default port, an IDN host) is refused with invalid_client.
    const { origin } = new URL(provider.tokenUrl);
    for (const tokenUrl of [
      `${origin.replace('http://', 'HTTP://')}/token`,
      `${origin}/./token`,
      `${origin}/oauth/../token`,
    ]) {
      const tokens = client({
        tokenUrl,
        clientId: JWT.clientId,
        clientSecret: undefined,
        privateKey: JWT.privateKeyPem,
      });
      const { payload } = await verify(await tokens.getAccessToken(), DEFAULT_RESOURCE);
      expect(payload.client_id).toBe(JWT.clientId);
    }
  });

  it('discovers the token endpoint from the issuer and signs the assertion for the issuer audience', async () => {
    const tokens = client({
      tokenUrl: undefined,
      issuer: provider.issuer,
      clientId: JWT.clientId,
      clientSecret: undefined,
      privateKey: JWT.privateKeyPem,
      assertionAudience: provider.issuer,
    });

    const { payload } = await verify(await tokens.getAccessToken(), DEFAULT_RESOURCE);

    expect(payload.client_id).toBe(JWT.clientId);
  });

  it('issues exactly one token for 500 concurrent callers', async () => {
    const tokens = client({ resource: RESOURCES[1] });
    const before = provider.issued();

    const all = await Promise.all(Array.from({ length: 500 }, () => tokens.getAccessToken()));

    expect(provider.issued() - before).toBe(1);
    expect(new Set(all).size).toBe(1);
  });

  it('issues one token per audience, each with its own aud', async () => {
    const orders = client({ resource: RESOURCES[0] });
    const billing = orders.for({ resource: RESOURCES[1] });
    const before = provider.issued();

    const calls = Array.from({ length: 200 }, (_, i) => (i % 2 ? billing : orders).getAccessToken());
    const [ordersToken, billingToken] = await Promise.all(calls.slice(0, 2));
    await Promise.all(calls);

    expect(provider.issued() - before).toBe(2);
    expect(decodeJwt(ordersToken!).aud).toBe(RESOURCES[0]);
    expect(decodeJwt(billingToken!).aud).toBe(RESOURCES[1]);
    await verify(ordersToken!, RESOURCES[0]);
    await verify(billingToken!, RESOURCES[1]);
  });

  it.each([
    ['the registered spelling first', false],
    ['the other spellings first', true],
  ])(
    'keeps each spelling of a resource a target of its own, as the server does (%s): one token, aud as registered, the others invalid_target',
    async (_, otherFirst) => {
      // Trailing slash, host case, default port: one URI by RFC 3986 §6.2, yet oidc-provider hands the
      // string as sent to getResourceServerInfo and puts it in `aud`. A token shared across spellings
      // would make each caller's outcome depend on which spelling was asked first.
      const credentials = client({ resource: RESOURCES[0] });
      const spellings = [`${RESOURCES[0]}/`, RESOURCES[0].replace('orders', 'ORDERS'), `${RESOURCES[0]}:443`];
      const before = provider.issued();
      const refused = async (resource: string) =>
        credentials
          .for({ resource })
          .getAccessToken()
          .then(
            () => 'token',
            (error: unknown) => (isOAuthError(error) ? error.error : String(error)),
          );

      const others = otherFirst ? await Promise.all(spellings.map(refused)) : [];
      const token = await credentials.getAccessToken();
      if (!otherFirst) others.push(...(await Promise.all(spellings.map(refused))));

      expect(others).toEqual(['invalid_target', 'invalid_target', 'invalid_target']);
      expect(decodeJwt(token).aud).toBe(RESOURCES[0]);
      expect(provider.issued() - before).toBe(1);
      expect(new Set(spellings.map((resource) => credentials.for({ resource }).key)).size).toBe(3);
    },
  );

  it('replaces the token before it expires: no caller ever gets an expired one', async () => {
    // The provider and the client run in this process and both read `Date`, so faking only `Date`
    // moves time for the server's iat/exp, the client's expiry check and jose's verification alike:
    // no real waiting. Sockets and timers stay real.
    vi.useFakeTimers({ toFake: ['Date'] });
    const tokens = client({ resource: RESOURCES[2], refreshMargin: 1_000 });
    const before = provider.issued();
    const seen = new Set<string>();

    // 16 steps of 250 ms = 4 s, more than one 3 s lifetime; 50 concurrent callers at each step.
    for (let step = 0; step < 16; step++) {
      const received = await Promise.all(Array.from({ length: 50 }, () => tokens.getAccessToken()));
      for (const token of new Set(received)) {
        const { payload } = await verify(token, RESOURCES[2]); // rejects an expired token
        expect(payload.exp! * 1000).toBeGreaterThan(Date.now());
        seen.add(token);
      }
      vi.setSystemTime(Date.now() + 250);
    }
    // The refresh margin (1 s) makes the client replace each 3 s token after about 2 s.
    expect(seen.size).toBe(2);
    expect(provider.issued() - before).toBe(2);

    vi.setSystemTime(Date.now() + TOKEN_TTL * 1000);
    const after = await tokens.getAccessToken();
    expect(seen.has(after)).toBe(false);
    await verify(after, RESOURCES[2]);
  });

  it('rejects a wrong secret with invalid_client, once, without showing the secret', async () => {
    const wrong = 'wrong-secret-3c8e1f0a';
    const tokens = client({ clientSecret: wrong, retry: { retries: 3, minTimeout: 10 } });
    const before = provider.tokenRequests();

    const error = await tokens.getAccessToken().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OAuthError);
    expect(isOAuthError(error, 'invalid_client')).toBe(true);
    expect(provider.tokenRequests() - before).toBe(1);
    for (const text of [String(error), JSON.stringify(error), (error as Error).stack ?? '']) {
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(BASIC.clientSecret);
    }
  });

  it('lets a Node process that used it exit by itself, holding no timer or socket once it has its tokens', async () => {
    const { code, signal, output } = await runUntilExit(
      new URL('./fixtures/get-token-then-idle.ts', import.meta.url),
      [provider.issuer, JWT.clientId, ...RESOURCES.slice(0, 2)],
      { env: { ...process.env, TEST_PRIVATE_KEY: JWT.privateKeyPem } },
    ).exited;

    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(output).toContain('tokens 3 3');
    // Nothing ref'd was left once it had its tokens (no timer, however short or long; no socket).
    expect(output).toContain('held []');
  });
});
