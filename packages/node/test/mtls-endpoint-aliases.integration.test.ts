// RFC 8705 against the certified oidc-provider over HTTPS on 127.0.0.1: its discovery document with
// `mtls_endpoint_aliases` (oidc-provider does not publish them; a deployment that terminates mTLS on
// another host adds them, as this test's middleware does), and a `self_signed_tls_client_auth` client
// registered with a JWKS whose key carries the self-signed certificate (`x5c`).
import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { isOAuthError } from '@tessera/core';
import Provider from 'oidc-provider';
import { Agent, type Dispatcher, fetch as undiciFetch } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ClientCredentials, type ClientCredentialsOptions, clientCredentials } from '../src/index.js';
import { createTlsFixtures, hasOpenssl, type TlsFixtures } from './tls-fixtures.js';

describe.skipIf(!hasOpenssl())(
  'mtls_endpoint_aliases and self_signed_tls_client_auth against oidc-provider',
  () => {
    let tls: TlsFixtures;
    /** The issuer's host: no client certificate asked for. */
    let plain: Server;
    /** The mTLS host of `mtls_endpoint_aliases`: asks for a certificate, checks it against the test CA. */
    let mtls: Server;
    let issuer = '';
    /** POST requests that reached each host's token endpoint. */
    const tokenRequests = { plain: 0, mtls: 0 };
    const clients: ClientCredentials[] = [];
    const dispatchers: Dispatcher[] = [];

    const listen = async (server: Server): Promise<string> => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    };

    beforeAll(async () => {
      tls = createTlsFixtures();
      plain = createServer({ ...tls.server });
      mtls = createServer({ ...tls.server, ca: tls.ca, requestCert: true, rejectUnauthorized: false });
      issuer = await listen(plain);
      const mtlsOrigin = await listen(mtls);
      type Ctx = { req: { socket: unknown } };
      const socketOf = (ctx: Ctx): TLSSocket => ctx.req.socket as TLSSocket;
      const selfSigned = new X509Certificate(tls.selfSigned.cert);
      const provider = new Provider(issuer, {
        clients: [
          {
            client_id: 'mtls-client',
            grant_types: ['client_credentials'],
            response_types: [],
            redirect_uris: [],
            token_endpoint_auth_method: 'tls_client_auth',
            tls_client_auth_subject_dn: 'CN=tessera-client',
          },
          {
            client_id: 'self-signed-client',
            grant_types: ['client_credentials'],
            response_types: [],
            redirect_uris: [],
            token_endpoint_auth_method: 'self_signed_tls_client_auth',
            jwks: {
              keys: [
                {
                  ...selfSigned.publicKey.export({ format: 'jwk' }),
                  x5c: [selfSigned.raw.toString('base64')],
                },
              ],
            },
          },
        ] as never,
        clientAuthMethods: ['tls_client_auth', 'self_signed_tls_client_auth'],
        features: {
          devInteractions: { enabled: false },
          clientCredentials: { enabled: true },
          mTLS: {
            enabled: true,
            tlsClientAuth: true,
            selfSignedTlsClientAuth: true,
            getCertificate: (ctx: Ctx) => {
              const raw = socketOf(ctx).getPeerCertificate?.().raw;
              return raw ? new X509Certificate(raw).toString() : undefined;
            },
            certificateAuthorized: (ctx: Ctx) => socketOf(ctx).authorized,
            certificateSubjectMatches: (ctx: Ctx, property: string, expected: string) =>
              property === 'tls_client_auth_subject_dn' &&
              `CN=${socketOf(ctx).getPeerCertificate().subject?.CN}` === expected,
          },
        },
      } as never);
      provider.use(async (ctx, next) => {
        await next();
        if (ctx.path.startsWith('/.well-known/')) {
          ctx.body = { ...ctx.body, mtls_endpoint_aliases: { token_endpoint: `${mtlsOrigin}/token` } };
        }
      });
      const callback = provider.callback();
      for (const [name, server] of [
        ['plain', plain],
        ['mtls', mtls],
      ] as const) {
        server.on('request', (request, response) => {
          if (request.method === 'POST' && request.url === '/token') tokenRequests[name] += 1;
          void callback(request, response);
        });
      }
    });

    afterEach(async () => {
      for (const created of clients.splice(0)) created.dispose();
      await Promise.all(dispatchers.splice(0).map((dispatcher) => dispatcher.destroy()));
      tokenRequests.plain = 0;
      tokenRequests.mtls = 0;
    });

    afterAll(async () => {
      for (const server of [plain, mtls]) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });

    function client(
      options: Pick<ClientCredentialsOptions, 'clientId' | 'authMethod'>,
      certificate: { cert: string; key: string },
    ): ClientCredentials {
      const agent = new Agent({ connect: { ca: tls.ca, ...certificate } });
      dispatchers.push(agent);
      const created = clientCredentials({
        issuer,
        ...options,
        retry: false,
        fetch: (url, init) => undiciFetch(url, { ...init, dispatcher: agent }),
      });
      clients.push(created);
      return created;
    }

    it('sends a tls_client_auth client discovered from the issuer to the mTLS alias: one request for 20 callers', async () => {
      const credentials = client({ clientId: 'mtls-client', authMethod: 'tls_client_auth' }, tls.client);

      const tokens = await Promise.all(Array.from({ length: 20 }, () => credentials.getAccessToken()));

      expect(new Set(tokens).size).toBe(1);
      expect(tokenRequests).toEqual({ plain: 0, mtls: 1 });
    });

    it('gets a token for a self_signed_tls_client_auth client with its registered self-signed certificate', async () => {
      const credentials = client(
        { clientId: 'self-signed-client', authMethod: 'self_signed_tls_client_auth' },
        tls.selfSigned,
      );

      expect(await credentials.getAccessToken()).toMatch(/^\S{20,}$/);
      expect(tokenRequests).toEqual({ plain: 0, mtls: 1 });
    });

    it('is refused with invalid_client when a self-signed client presents a certificate not in its JWKS', async () => {
      const error = await client(
        { clientId: 'self-signed-client', authMethod: 'self_signed_tls_client_auth' },
        tls.client,
      )
        .getAccessToken()
        .catch((caught: unknown) => caught);

      expect(isOAuthError(error, 'invalid_client')).toBe(true);
      expect(tokenRequests).toEqual({ plain: 0, mtls: 1 });
    });
  },
);
