import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import type Provider from 'oidc-provider';
import type { Configuration, errors, KoaContextWithOIDC } from 'oidc-provider';
import { handleInteraction } from './handle-interaction.js';
import {
  type ExampleUser,
  type IdentityProviderOptions,
  identityProviderDefaults,
  type Settings,
} from './identity-provider-options.js';
import { listen } from './listen.js';
import { loadOidcProvider, withoutOidcProviderWarnings } from './load-oidc-provider.js';

/** One HTTP request the provider answered (query strings and bodies are never recorded). */
export interface ProviderRequestLogEntry {
  method: string;
  /** Path without the query, e.g. `/token`. */
  path: string;
  /** HTTP status, once answered. */
  status?: number;
  /** On `POST /token`: the `grant_type`. */
  grantType?: string;
  /** On a refused token request: the OAuth `error`. */
  error?: string;
  /** Whether the request carried a `DPoP` proof header. */
  dpop: boolean;
}

/** A running identity provider. */
export interface IdentityProvider {
  /** The issuer; discovery at `${issuer}/.well-known/openid-configuration`. */
  issuer: string;
  /** The SPA client's `client_id`. */
  clientId: string;
  /** The API resource indicator; the `aud` of access tokens. */
  apiResource: string;
  /** The users who can sign in. */
  users: readonly ExampleUser[];
  /** Every request so far, in order. */
  requestLog: ProviderRequestLogEntry[];
  /** Token requests so far (`POST /token`), optionally of one `grant_type`. */
  tokenRequests(grantType?: string): ProviderRequestLogEntry[];
  close(): Promise<void>;
}

/**
 * Starts `oidc-provider` on 127.0.0.1, configured like a production single-page-app client: a public
 * client (`token_endpoint_auth_method: 'none'`), PKCE required, refresh tokens rotated on every use
 * with reuse detection, short-lived JWT access tokens for one API (RFC 8707), revocation (RFC 7009),
 * RP-initiated logout, CORS only for the app origins, and its own login and consent pages.
 */
export async function startIdentityProvider(options: IdentityProviderOptions): Promise<IdentityProvider> {
  const settings = { ...identityProviderDefaults, ...options };
  const oidc = await loadOidcProvider();
  const requestLog: ProviderRequestLogEntry[] = [];
  const entries = new WeakMap<IncomingMessage, ProviderRequestLogEntry>();
  let provider: Provider | undefined;
  let callback: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;

  const server = createServer((req, res) => {
    const entry: ProviderRequestLogEntry = {
      method: req.method ?? 'GET',
      path: new URL(req.url ?? '/', 'http://localhost').pathname,
      dpop: typeof req.headers.dpop === 'string',
    };
    requestLog.push(entry);
    entries.set(req, entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
    });
    if (!provider || !callback) {
      res.statusCode = 503;
      res.end();
      return;
    }
    const target = provider;
    const next = callback;
    void handleInteraction(target, settings, req, res, entry.path).then((handled) => {
      if (!handled) next(req, res);
    });
  });
  const service = await listen(server, settings.port ?? 0);
  try {
    provider = await withoutOidcProviderWarnings(async () =>
      configure(oidc, service.url, settings, await signingKey()),
    );
  } catch (error) {
    await service.close();
    throw error;
  }
  const logGrant = (ctx: KoaContextWithOIDC, error?: errors.OIDCProviderError) => {
    const entry = entries.get(ctx.req);
    if (!entry) return;
    const grantType = ctx.oidc.params?.grant_type;
    if (typeof grantType === 'string') entry.grantType = grantType;
    if (error) entry.error = error.error;
  };
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => logGrant(ctx));
  provider.on('grant.error', (ctx: KoaContextWithOIDC, error: errors.OIDCProviderError) =>
    logGrant(ctx, error),
  );
  callback = provider.callback();

  return {
    issuer: service.url,
    clientId: settings.clientId,
    apiResource: settings.apiResource,
    users: settings.users,
    requestLog,
    tokenRequests: (grantType) =>
      requestLog.filter(
        (entry) =>
          entry.method === 'POST' &&
          entry.path === '/token' &&
          (grantType === undefined || entry.grantType === grantType),
      ),
    close: service.close,
  };
}

async function signingKey() {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomBytes(6).toString('hex'), alg: 'RS256', use: 'sig' };
}

function configure(
  oidc: typeof import('oidc-provider'),
  issuer: string,
  settings: Settings,
  key: Awaited<ReturnType<typeof signingKey>>,
): Provider {
  const seconds = (ms: number) => Math.max(1, Math.round(ms / 1000));
  const accessTokenTTL = seconds(settings.accessTokenTtl);
  const origins = new Set(settings.appOrigins);
  const configuration: Configuration = {
    clients: [
      {
        client_id: settings.clientId,
        ...(settings.clientSecret === undefined
          ? { token_endpoint_auth_method: 'none' }
          : {
              client_secret: settings.clientSecret,
              ...(settings.tokenEndpointAuthMethod
                ? { token_endpoint_auth_method: settings.tokenEndpointAuthMethod }
                : {}),
            }),
        application_type: 'web',
        grant_types: [...(settings.grantTypes ?? ['authorization_code', 'refresh_token'])],
        response_types: ['code'],
        redirect_uris: [
          ...(settings.redirectUris ??
            settings.appOrigins.flatMap((origin) => [`${origin}/`, `${origin}/callback`])),
        ],
        post_logout_redirect_uris: [
          ...(settings.postLogoutRedirectUris ?? settings.appOrigins.map((origin) => `${origin}/`)),
        ],
        ...(settings.dpop ? { dpop_bound_access_tokens: true } : {}),
      },
    ],
    jwks: { keys: [key] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
    // "Signed in as …": the ID token carries the profile claims (the access token is for the API, not userinfo).
    conformIdTokenClaims: false,
    findAccount: (_ctx, id) => {
      const user = settings.users.find((candidate) => candidate.username === id);
      return user
        ? { accountId: id, claims: () => ({ sub: id, name: user.name, email: user.email }) }
        : undefined;
    },
    pkce: { required: () => true },
    // A public SPA client gets a refresh token without offline_access (the default wants it, plus prompt=consent).
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Every refresh rotates the token; reusing a rotated one revokes the whole grant (built in).
    rotateRefreshToken: true,
    clientBasedCORS: (_ctx, origin) => origins.has(origin),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: accessTokenTTL,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 86_400,
      Grant: 86_400,
      RefreshToken: seconds(settings.refreshTokenTtl),
    },
    features: {
      devInteractions: { enabled: false },
      revocation: {
        enabled: true,
        ...(settings.revokeGrant === false
          ? {
              // A refresh token is destroyed alone; `false` skips oidc-provider's revocation of its grant.
              allowedPolicy: async (_ctx, client, token) => {
                if (token.clientId !== client.clientId) return false;
                if (token.kind !== 'RefreshToken') return true;
                await token.destroy();
                return false;
              },
            }
          : {}),
      },
      ...(settings.dpop
        ? {
            dPoP: {
              enabled: true,
              nonceSecret: randomBytes(32),
              requireNonce: () => true,
              allowReplay: false,
            },
          }
        : {}),
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => settings.apiResource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== settings.apiResource)
            throw new oidc.errors.InvalidTarget(`unknown resource ${resource}`);
          return {
            scope: settings.apiScope,
            audience: settings.apiResource,
            accessTokenFormat: 'jwt',
            accessTokenTTL,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
  };
  return new oidc.default(issuer, configuration);
}
