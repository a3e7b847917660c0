// RFC 8705 client authentication against the certified oidc-provider over HTTPS on 127.0.0.1: a
// client registered with `tls_client_auth` is known by its certificate alone (no secret, no key).
import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { isOAuthError } from '@tessera/core';
import Provider from 'oidc-provider';
import { Agent, type Dispatcher, fetch as undiciFetch } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ClientCredentials, clientCredentials } from '../src/index.js';
import { createTlsFixtures, hasOpenssl, type TlsFixtures } from './tls-fixtures.js';

const CLIENT_ID = 'mtls-client';

describe.skipIf(!hasOpenssl())('tls_client_auth against oidc-provider (features.mTLS)', () => {
  let tls: TlsFixtures;
  let server: Server;
  let tokenUrl = '';
  /** POST requests that reached the token endpoint, successful or not. */
  let requests = 0;
  const clients: ClientCredentials[] = [];
  const dispatchers: Dispatcher[] = [];

  beforeAll(async () => {
    tls = createTlsFixtures();
    // The certificate is asked for and checked against the test CA, but the handshake does not fail
    // without one: the provider answers invalid_client itself, as behind a TLS-terminating proxy.
    server = createServer({ ...tls.server, ca: tls.ca, requestCert: true, rejectUnauthorized: false });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    tokenUrl = `${issuer}/token`;
    type Ctx = { req: { socket: unknown } };
    const socketOf = (ctx: Ctx): TLSSocket => ctx.req.socket as TLSSocket;
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: CLIENT_ID,
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
          token_endpoint_auth_method: 'tls_client_auth',
          tls_client_auth_subject_dn: 'CN=tessera-client',
        } as never,
      ],
      clientAuthMethods: ['tls_client_auth'],
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        mTLS: {
          enabled: true,
          tlsClientAuth: true,
          getCertificate: (ctx: Ctx) => {
            const raw = socketOf(ctx).getPeerCertificate().raw;
            return raw ? new X509Certificate(raw).toString() : undefined;
          },
          certificateAuthorized: (ctx: Ctx) => socketOf(ctx).authorized,
          certificateSubjectMatches: (ctx: Ctx, property: string, expected: string) =>
            property === 'tls_client_auth_subject_dn' &&
            `CN=${socketOf(ctx).getPeerCertificate().subject?.CN}` === expected,
        },
      },
    } as never);
    const callback = provider.callback();
    server.on('request', (request, response) => {
      if (request.method === 'POST' && request.url === '/token') requests += 1;
      void callback(request, response);
    });
  });

  afterEach(async () => {
    for (const created of clients.splice(0)) created.dispose();
    await Promise.all(dispatchers.splice(0).map((dispatcher) => dispatcher.destroy()));
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function client(connect: { ca: string; cert?: string; key?: string }): ClientCredentials {
    const agent = new Agent({ connect });
    dispatchers.push(agent);
    const created = clientCredentials({
      tokenUrl,
      clientId: CLIENT_ID,
      authMethod: 'tls_client_auth',
      retry: false,
      fetch: (url, init) => undiciFetch(url, { ...init, dispatcher: agent }),
    });
    clients.push(created);
    return created;
  }

  it('gets one token for 20 callers with the client certificate alone', async () => {
    const before = requests;
    const credentials = client({ ca: tls.ca, cert: tls.client.cert, key: tls.client.key });

    const tokens = await Promise.all(Array.from({ length: 20 }, () => credentials.getAccessToken()));

    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).toMatch(/^\S{20,}$/);
    expect(requests - before).toBe(1);
  });

  it('is refused with invalid_client when no certificate is presented', async () => {
    const before = requests;
    const error = await client({ ca: tls.ca })
      .getAccessToken()
      .catch((caught: unknown) => caught);

    expect(isOAuthError(error, 'invalid_client')).toBe(true);
    expect(requests - before).toBe(1);
  });
});
