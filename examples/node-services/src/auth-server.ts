import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { loadOidcProvider, withoutOidcProviderWarnings } from '@tessera/example-identity-provider';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type Provider from 'oidc-provider';
import type { ClientMetadata, errors, KoaContextWithOIDC } from 'oidc-provider';
import { listen, type RunningService } from './service.js';

/** A resource server (API) the authorization server issues access tokens for (RFC 8707). */
export interface ResourceServerConfig {
  /** The resource indicator clients send, e.g. `urn:tessera:inventory`; becomes the token's `aud`. */
  resource: string;
  /** Space-separated scopes this API understands. */
  scope: string;
}

/** A client allowed to use the client-credentials grant. */
export interface ServiceClient {
  clientId: string;
  clientSecret: string;
  /** Space-separated scopes the client may request. */
  scope: string;
  /** Its access tokens must be DPoP-bound (RFC 9449): token requests need a proof with auth's nonce. @default false */
  dpop?: boolean;
}

/** Options of `startAuthServer`. */
export interface AuthServerOptions {
  /** @default 0 (a free port) */
  port?: number;
  clients: readonly ServiceClient[];
  resourceServers: readonly ResourceServerConfig[];
  /** Lifetime of the access tokens, in ms (rounded to whole seconds: JWT `exp` has second precision). */
  accessTokenTtl: number;
  /** Called after each token request. @default undefined */
  onTokenRequest?: (outcome: TokenRequestOutcome) => void;
  /**
   * The time stamped into access tokens as `iat` (and `exp` = `iat` + their lifetime), epoch ms.
   * @default undefined (oidc-provider's own: the wall clock)
   */
  clock?: () => number;
}

/** How one token request ended. */
export type TokenRequestOutcome =
  | { outcome: 'issued'; clientId: string; kid: string }
  | { outcome: 'rejected'; clientId: string | undefined; error: string };

/** What the authorization server did so far. */
export interface AuthServerStats {
  /** Successful token requests (one issued access token each). */
  issued: number;
  /** Token requests answered with an OAuth error, by `error` code. */
  rejected: Record<string, number>;
}

/** A running authorization server. */
export interface AuthServer extends RunningService {
  /** The issuer; discovery lives at `${issuer}/.well-known/openid-configuration`. */
  issuer: string;
  tokenUrl: string;
  jwksUri: string;
  /** Lifetime of the access tokens, in ms. */
  accessTokenTtl: number;
  /** `kid` of the current signing key. */
  readonly kid: string;
  stats(): AuthServerStats;
  /** Replaces the signing key; the old one is withdrawn from the JWKS, as after a key compromise. */
  rotateSigningKey(): Promise<{ oldKid: string; newKid: string }>;
}

/**
 * Starts an OAuth 2.0 authorization server (`oidc-provider`) on 127.0.0.1 that issues RS256 JWT access
 * tokens (RFC 9068) for the client-credentials grant, one audience per resource indicator.
 */
export async function startAuthServer(options: AuthServerOptions): Promise<AuthServer> {
  const oidc = await loadOidcProvider();
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = createServer((req, res) => handle(req, res));
  const service = await listen(server, options.port ?? 0);
  const issuer = service.url;
  const stats: AuthServerStats = { issued: 0, rejected: {} };
  let key: SigningKey;

  const install = async (): Promise<void> => {
    const { jwk, kid } = key;
    const provider = await withoutOidcProviderWarnings(() => createProvider(oidc, issuer, jwk, options));
    provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
      stats.issued += 1;
      options.onTokenRequest?.({ outcome: 'issued', clientId: clientIdOf(ctx) ?? '?', kid });
    });
    provider.on('grant.error', (ctx: KoaContextWithOIDC, error: errors.OIDCProviderError) => {
      stats.rejected[error.error] = (stats.rejected[error.error] ?? 0) + 1;
      options.onTokenRequest?.({ outcome: 'rejected', clientId: clientIdOf(ctx), error: error.error });
    });
    handle = provider.callback();
  };
  try {
    key = await generateSigningKey();
    await install();
  } catch (error) {
    await service.close();
    throw error;
  }

  return {
    ...service,
    issuer,
    tokenUrl: `${issuer}/token`,
    jwksUri: `${issuer}/jwks`,
    accessTokenTtl: ttlSecondsOf(options) * 1000,
    get kid() {
      return key.kid;
    },
    stats: () => ({ issued: stats.issued, rejected: { ...stats.rejected } }),
    async rotateSigningKey() {
      const oldKid = key.kid;
      key = await generateSigningKey();
      await install();
      return { oldKid, newKid: key.kid };
    },
  };
}

/** JWT `exp` has second precision: the lifetime in whole seconds, at least 1. */
function ttlSecondsOf(options: AuthServerOptions): number {
  return Math.max(1, Math.round(options.accessTokenTtl / 1000));
}

/** The client of a token request, also when its authentication failed. */
function clientIdOf(ctx: KoaContextWithOIDC): string | undefined {
  return ctx.oidc.client?.clientId ?? ctx.oidc.params?.client_id?.toString();
}

/** A private signing JWK and its `kid`. */
interface SigningKey {
  jwk: JWK;
  kid: string;
}

async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = (await calculateJwkThumbprint(jwk)).slice(0, 12);
  return { jwk: { ...jwk, kid, alg: 'RS256', use: 'sig' }, kid };
}

function createProvider(
  oidc: typeof import('oidc-provider'),
  issuer: string,
  signingKey: JWK,
  options: AuthServerOptions,
): Provider {
  const ttlSeconds = ttlSecondsOf(options);
  const { clock } = options;
  const nonceSecret = randomBytes(32);
  const clients: ClientMetadata[] = options.clients.map((client) => ({
    client_id: client.clientId,
    client_secret: client.clientSecret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: client.scope,
    ...(client.dpop ? { dpop_bound_access_tokens: true } : {}),
  }));
  const scopes = new Set(options.resourceServers.flatMap((server) => server.scope.split(' ')));
  return new oidc.default(issuer, {
    clients,
    jwks: { keys: [signingKey] },
    scopes: [...scopes],
    enabledJWA: { dPoPSigningAlgValues: ['ES256'] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // DPoP with nonces required; proofs are only sent (and checked) by clients that use DPoP.
      dPoP: { enabled: true, nonceSecret, requireNonce: () => true, allowReplay: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => false,
        getResourceServerInfo: (_ctx, resource) => {
          const server = options.resourceServers.find((candidate) => candidate.resource === resource);
          if (!server) throw new oidc.errors.InvalidTarget(`unknown resource ${resource}`);
          return {
            scope: server.scope,
            accessTokenFormat: 'jwt',
            accessTokenTTL: ttlSeconds,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    ttl: {
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ttlSeconds,
    },
    ...(clock ? { formats: { customizers: { jwt: stampedBy(clock) } } } : {}),
  });
}

/** Re-dates a JWT access token by `clock`: `iat` is its now, `exp` keeps the token's lifetime. */
function stampedBy(clock: () => number) {
  return (_ctx: unknown, _token: unknown, jwt: { payload: Record<string, unknown> }): void => {
    const { iat, exp } = jwt.payload;
    if (typeof iat !== 'number' || typeof exp !== 'number') return;
    const now = Math.floor(clock() / 1000);
    jwt.payload.iat = now;
    jwt.payload.exp = now + (exp - iat);
  };
}
