// oidc-provider 9.x in-process on 127.0.0.1 with DPoP on and nonces required: a confidential client
// (client_credentials, client_secret_basic or private_key_jwt) whose access tokens must be DPoP-bound JWTs with cnf.jkt.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';
import type Provider from 'oidc-provider';

export const CLIENT = { clientId: 'dpop-service', clientSecret: 'dpop-secret-3c9e71aa' };
/** A public client (a SPA): no secret, DPoP-bound tokens, its refresh tokens bound to the DPoP key. */
export const SPA = { clientId: 'spa' };
export const BEARER_CLIENT = { clientId: 'bearer-service', clientSecret: 'bearer-secret-77d0e2b1' };
const jwtClientKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
/** A confidential client authenticating with private_key_jwt (each assertion `jti` once), DPoP-bound tokens. */
export const JWT_CLIENT = { clientId: 'dpop-jwt-service', privateKey: jwtClientKey.privateKey };

export interface ProviderOptions {
  /** Nonce secret; `undefined` = nonces off (proofs are then judged by `iat` ±300 s). */
  nonceSecret?: Buffer | undefined;
  /** @default true when a nonce secret is set */
  requireNonce?: boolean;
  /** The resource (API base URL) tokens are issued for; read at each token request. */
  resource: () => string;
  /** Browser origins allowed to call the provider (CORS). @default oidc-provider's default */
  corsOrigins?: readonly string[];
}

export interface RunningProvider {
  issuer: string;
  tokenUrl: string;
  /** The public key access tokens are signed with. */
  publicJwk: JWK;
  /** POST /token requests received, with the status of each answer. */
  tokenRequests: { status: number; dpop: string | undefined; error?: string | undefined }[];
  /** Access tokens issued. */
  issued(): number;
  /**
   * A refresh token for the SPA client as if alice had signed in with the key `jkt` (what the
   * authorization-code exchange with a DPoP proof produces), without driving a login page.
   */
  mintRefreshToken(jkt: string): Promise<string>;
  /** Starts answering with a provider that has a new nonce secret (a restart / another instance). */
  rotateNonceSecret(): Promise<void>;
  stop(): Promise<void>;
}

export async function startProvider(options: ProviderOptions): Promise<RunningProvider> {
  const { default: ProviderClass } = await quietly(() => import('oidc-provider'));
  const server = createServer();
  // Idle keep-alive connections are the client's to close: a bursting client reusing one never gets
  // an ECONNRESET from the server's idle timer firing late on a loaded machine (decision 0024).
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const signing = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privateJwk = {
    ...signing.privateKey.export({ format: 'jwk' }),
    kid: 'as-key',
    alg: 'ES256',
    use: 'sig',
  };
  let issued = 0;

  const build = (nonceSecret: Buffer | undefined): Provider => {
    const provider = new ProviderClass(issuer, {
      clients: [
        {
          client_id: CLIENT.clientId,
          client_secret: CLIENT.clientSecret,
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
          token_endpoint_auth_method: 'client_secret_basic',
          id_token_signed_response_alg: 'ES256',
          dpop_bound_access_tokens: true,
        } as never,
        {
          client_id: SPA.clientId,
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          redirect_uris: ['http://127.0.0.1/callback'],
          id_token_signed_response_alg: 'ES256',
          dpop_bound_access_tokens: true,
        } as never,
        {
          client_id: JWT_CLIENT.clientId,
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [jwtClientKey.publicKey.export({ format: 'jwk' })] },
          id_token_signed_response_alg: 'ES256',
          dpop_bound_access_tokens: true,
        } as never,
        {
          client_id: BEARER_CLIENT.clientId,
          client_secret: BEARER_CLIENT.clientSecret,
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
          token_endpoint_auth_method: 'client_secret_basic',
          id_token_signed_response_alg: 'ES256',
        },
      ],
      jwks: { keys: [privateJwk] } as never,
      ...(options.corsOrigins
        ? {
            clientBasedCORS: (_ctx: unknown, origin: string) =>
              options.corsOrigins?.includes(origin) === true,
          }
        : {}),
      rotateRefreshToken: true,
      scopes: ['openid', 'offline_access', 'orders:read'],
      enabledJWA: { dPoPSigningAlgValues: ['ES256'] },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        dPoP: {
          enabled: true,
          ...(nonceSecret ? { nonceSecret } : {}),
          requireNonce: () => nonceSecret !== undefined && options.requireNonce !== false,
          allowReplay: false,
        },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => options.resource(),
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({
            scope: 'orders:read',
            accessTokenFormat: 'jwt',
            accessTokenTTL: 300,
            jwt: { sign: { alg: 'ES256' } },
          }),
        },
      },
    });
    provider.on('client_credentials.issued', () => {
      issued += 1;
    });
    provider.on('server_error', (_ctx, error) => console.error('oidc-provider server_error', error));
    return provider;
  };

  let current = build(options.nonceSecret);
  let callback = current.callback();
  const tokenRequests: RunningProvider['tokenRequests'] = [];
  server.on('request', (request: IncomingMessage, response) => {
    if (request.method === 'POST' && request.url === '/token') {
      const entry: RunningProvider['tokenRequests'][number] = {
        status: 0,
        dpop: request.headers.dpop as string | undefined,
      };
      tokenRequests.push(entry);
      const end = response.end.bind(response);
      response.end = ((chunk?: unknown, ...rest: unknown[]) => {
        entry.status = response.statusCode;
        if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) {
          try {
            entry.error = (JSON.parse(String(chunk)) as { error?: string }).error;
          } catch {}
        }
        return end(chunk as never, ...(rest as []));
      }) as typeof response.end;
    }
    void callback(request, response);
  });

  return {
    issuer,
    tokenUrl: `${issuer}/token`,
    publicJwk: { ...signing.publicKey.export({ format: 'jwk' }), alg: 'ES256' } as JWK,
    tokenRequests,
    issued: () => issued,
    mintRefreshToken: async (jkt) => {
      const provider = current;
      const client = await provider.Client.find(SPA.clientId);
      const grant = new provider.Grant({ accountId: 'alice', clientId: SPA.clientId });
      grant.addOIDCScope('openid offline_access');
      grant.addResourceScope(options.resource(), 'orders:read');
      const grantId = await grant.save();
      const refreshToken = new provider.RefreshToken({
        accountId: 'alice',
        client,
        grantId,
        scope: 'openid offline_access orders:read',
        resource: options.resource(),
        gty: 'authorization_code',
        authTime: Math.floor(Date.now() / 1000),
        jkt,
      } as never);
      return refreshToken.save();
    },
    rotateNonceSecret: async () => {
      current = await quietly(async () => build(randomBytes(32)));
      callback = current.callback();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** oidc-provider warns on Node 20 and about its development adapter; neither applies to these tests. */
async function quietly<T>(task: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('oidc-provider WARNING')) return;
    warn(...args);
  };
  try {
    return await task();
  } finally {
    console.warn = warn;
  }
}
