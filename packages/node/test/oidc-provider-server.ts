// Starts the certified `oidc-provider` in-process on 127.0.0.1 (random port), configured for the
// client_credentials grant with the secret and key auth methods of @tessera/node (mTLS: tls-client-auth.integration.test.ts), and counts what it does.
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { errors } from 'oidc-provider';

/** Resource servers the provider knows; access tokens for them are RS256 JWTs with `aud` = the resource. */
export const RESOURCES = ['https://orders.test', 'https://billing.test', 'https://default.test'] as const;
export const DEFAULT_RESOURCE = 'https://default.test';
/** Access token lifetime, in seconds. */
export const TOKEN_TTL = 3;

export const BASIC = { clientId: 'basic-client', clientSecret: 'basic-secret-5f1c9a7e' };
export const POST = { clientId: 'post-client', clientSecret: 'post-secret-9b2d4e61' };
const clientKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
export const JWT = {
  clientId: 'jwt-client',
  privateKeyPem: clientKey.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
};

export interface RunningProvider {
  issuer: string;
  tokenUrl: string;
  jwksUrl: URL;
  /** Access tokens the provider issued. */
  issued(): number;
  /** POST requests that reached the token endpoint, successful or not. */
  tokenRequests(): number;
  stop(): Promise<void>;
}

export async function startProvider(): Promise<RunningProvider> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const grant = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] };

  const provider = new Provider(issuer, {
    clients: [
      {
        ...grant,
        client_id: BASIC.clientId,
        client_secret: BASIC.clientSecret,
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        ...grant,
        client_id: POST.clientId,
        client_secret: POST.clientSecret,
        token_endpoint_auth_method: 'client_secret_post',
      },
      {
        ...grant,
        client_id: JWT.clientId,
        token_endpoint_auth_method: 'private_key_jwt',
        ttl: { ClientCredentials: TOKEN_TTL },
        jwks: { keys: [{ ...clientKey.publicKey.export({ format: 'jwk' }), kid: 'jwt-client-key' }] },
      } as never,
    ],
    ttl: { ClientCredentials: TOKEN_TTL },
    jwks: { keys: [{ ...signingKey, kid: 'provider-signing-key', alg: 'RS256', use: 'sig' }] } as never,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => DEFAULT_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (!(RESOURCES as readonly string[]).includes(resource)) throw new errors.InvalidTarget();
          return {
            scope: 'read write',
            accessTokenFormat: 'jwt',
            accessTokenTTL: TOKEN_TTL,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
  });

  let issued = 0;
  let tokenRequests = 0;
  provider.on('client_credentials.issued', () => {
    issued += 1;
  });
  provider.on('server_error', (_ctx, error) => console.error('oidc-provider server_error', error));
  const callback = provider.callback();
  server.on('request', (request, response) => {
    if (request.method === 'POST' && request.url === '/token') tokenRequests += 1;
    void callback(request, response);
  });

  return {
    issuer,
    tokenUrl: `${issuer}/token`,
    jwksUrl: new URL(`${issuer}/jwks`),
    issued: () => issued,
    tokenRequests: () => tokenRequests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
