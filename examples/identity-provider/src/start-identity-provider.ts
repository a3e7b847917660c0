import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import type Provider from 'oidc-provider';
import type { Configuration, errors, KoaContextWithOIDC } from 'oidc-provider';
import {
  type ExampleUser,
  type IdentityProviderOptions,
  identityProviderDefaults,
} from './identity-provider-options.js';
import { consentPage, loginPage } from './interaction-pages.js';
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

type Settings = IdentityProviderOptions & {
  clientId: string;
  users: readonly ExampleUser[];
  apiResource: string;
  apiScope: string;
  accessTokenTtl: number;
  refreshTokenTtl: number;
};

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
        token_endpoint_auth_method: 'none',
        application_type: 'web',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [
          ...(settings.redirectUris ??
            settings.appOrigins.flatMap((origin) => [`${origin}/`, `${origin}/callback`])),
        ],
        post_logout_redirect_uris: [
          ...(settings.postLogoutRedirectUris ?? settings.appOrigins.map((origin) => `${origin}/`)),
        ],
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
      revocation: { enabled: true },
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

/** Serves `/interaction/:uid`: the login page, then the consent page. Returns false for any other path. */
async function handleInteraction(
  provider: Provider,
  settings: Settings,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<boolean> {
  if (!/^\/interaction\/[\w-]+$/.test(path)) return false;
  try {
    const details = await provider.interactionDetails(req, res);
    const action = `/interaction/${details.uid}`;
    const clientId = String(details.params.client_id);
    const prompt = details.prompt.name;
    if (req.method !== 'POST') {
      const scopes = String(details.params.scope ?? '').split(' ');
      return html(
        res,
        200,
        prompt === 'login' ? loginPage(action, clientId) : consentPage(action, clientId, scopes),
      );
    }
    const form = new URLSearchParams(await readBody(req));
    if (form.get('action') === 'cancel') {
      const cancelled = { error: 'access_denied', error_description: 'The user cancelled the sign-in' };
      await provider.interactionFinished(req, res, cancelled, { mergeWithLastSubmission: false });
      return true;
    }
    if (prompt === 'login') {
      const user = settings.users.find(
        (candidate) =>
          candidate.username === form.get('username') && candidate.password === form.get('password'),
      );
      if (!user) return html(res, 401, loginPage(action, clientId, 'Wrong username or password'));
      await provider.interactionFinished(req, res, { login: { accountId: user.username } });
      return true;
    }
    const { accountId } = details.session ?? {};
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: accountId ?? '', clientId });
    if (!grant) throw new Error('grant not found');
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(resource, scopes.join(' '));
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return true;
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    return html(
      res,
      400,
      `<!doctype html><title>Sign-in failed</title><p>This sign-in cannot continue (${name}). Go back to the app and sign in again.</p>`,
    );
  }
}

function html(res: ServerResponse, status: number, body: string): true {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
  });
  res.end(body);
  return true;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > 10_000) throw new Error('body too large');
  }
  return body;
}
