import { decodeJwt } from 'jose';
import { assertBoolean, assertKnownOptions, shown } from './assert-known-options.js';
import type { AuthServer, AuthServerState, IssueTokensOptions } from './auth-server.js';
import {
  type AuthServerOptions,
  authServerDefaults,
  type DPoPServerOptions,
  type TestClient,
  type TestUser,
} from './auth-server-options.js';
import { AuthorizationCodes } from './authorization-codes.js';
import { authorizationEndpointHandler } from './authorization-endpoint-handler.js';
import { logAuthorization } from './authorization-request-log.js';
import { callbackUrl } from './authorization-response.js';
import { answerAuthorization } from './authorize.js';
import { NOT_VSCHAR } from './client-authentication.js';
import { discoveryHandlers, jwksUrlOf } from './discovery-handlers.js';
import { DPoPState } from './dpop-proof.js';
import { FailurePlan } from './failure-plan.js';
import type { IssuedTokenResponse } from './issued-token-response.js';
import { protectedApiHandlers } from './protected-api.js';
import { RequestHolds } from './request-hold.js';
import { revocationEndpointHandler } from './revocation-endpoint-handler.js';
import type { ServerContext } from './server-context.js';
import { SigningKey } from './signing-key.js';
import { tokenEndpointHandler } from './token-endpoint-handler.js';
import { mintNewFamily } from './token-minter.js';
import { TokenRegistry } from './token-registry.js';
import { knownSecrets } from './url-secrets.js';

/**
 * Creates a mock OAuth2 authorization server (authorization endpoint with PKCE, token endpoint with
 * `authorization_code`, `client_credentials`, `password` and `refresh_token`, ID tokens, JWT access tokens, refresh-token rotation with reuse detection) and protected
 * APIs, as msw handlers for `setupServer` (Node) or `setupWorker` (browser).
 *
 * @example
 * const auth = createAuthServer({ issuer: 'https://auth.example.test' });
 * const server = setupServer(...auth.handlers, ...auth.protectedApi('https://api.example.test'));
 *
 * @throws {TypeError} an option (or a key of a client or user) it does not know, with the nearest known name;
 *   a `clientId` or `clientSecret` oidc-provider would not register (empty, or not printable ASCII);
 *   `resources` that is not an array of strings.
 * @throws {RangeError} a lifetime that is not a positive number of ms, an `accessTokenLifetime` under 1000.
 */
export function createAuthServer(options: AuthServerOptions = {}): AuthServer {
  assertOptions(options);
  const issuer = (options.issuer ?? authServerDefaults.issuer).replace(/\/+$/, '');
  const context: ServerContext = {
    issuer,
    tokenUrl: `${issuer}/oauth/token`,
    authorizationUrl: `${issuer}/oauth/authorize`,
    revocationUrl: `${issuer}/oauth/revoke`,
    // Copies: a test that changed the arrays it passed changed the server past `reset()`, unchecked.
    clients: structuredClone(options.clients ?? authServerDefaults.clients),
    users: structuredClone(options.users ?? authServerDefaults.users),
    accessTokenLifetime: wholeSecondOrMore(
      options.accessTokenLifetime ?? authServerDefaults.accessTokenLifetime,
    ),
    authorizationCodeLifetime: positive(
      'authorizationCodeLifetime',
      options.authorizationCodeLifetime ?? authServerDefaults.authorizationCodeLifetime,
    ),
    refreshTokenLifetime: positive(
      'refreshTokenLifetime',
      options.refreshTokenLifetime ?? authServerDefaults.refreshTokenLifetime,
    ),
    slidingRefreshTokenLifetime:
      options.slidingRefreshTokenLifetime ?? authServerDefaults.slidingRefreshTokenLifetime,
    rotateRefreshTokens: options.rotateRefreshTokens ?? authServerDefaults.rotateRefreshTokens,
    revokeFamily: options.revokeFamily ?? authServerDefaults.revokeFamily,
    clock: options.clock ?? (() => Date.now()),
    audience: options.audience ?? authServerDefaults.audience,
    resources: options.resources,
    dpop: dpopStateOf(options.dpop ?? authServerDefaults.dpop),
    key: new SigningKey(),
    registry: new TokenRegistry(),
    codes: new AuthorizationCodes(),
    secrets: knownSecrets,
  };
  for (const { clientSecret } of context.clients) if (clientSecret) context.secrets.add(clientSecret);
  for (const { password } of context.users) if (password) context.secrets.add(password);
  const state: AuthServerState = {
    tokenRequests: [],
    authorizationRequests: [],
    revocationRequests: [],
    apiRequests: [],
    failures: new FailurePlan(),
    holds: new RequestHolds(),
    tokenRequestCount: 0,
    latency: 0,
    generation: 0,
  };
  const handlers = [
    tokenEndpointHandler(context, state),
    authorizationEndpointHandler(context, state),
    revocationEndpointHandler(context, state),
    ...discoveryHandlers(context),
  ];

  return {
    issuer,
    tokenUrl: context.tokenUrl,
    authorizationUrl: context.authorizationUrl,
    revocationUrl: context.revocationUrl,
    jwksUrl: jwksUrlOf(issuer),
    get handlers() {
      return [...handlers];
    },
    protectedApi: (baseUrl, apiOptions = {}) => protectedApiHandlers(context, state, baseUrl, apiOptions),
    get tokenRequests() {
      return state.tokenRequests.map((entry) => ({ ...entry }));
    },
    get authorizationRequests() {
      return state.authorizationRequests.map((entry) => ({ ...entry }));
    },
    get revocationRequests() {
      return state.revocationRequests.map((entry) => ({ ...entry }));
    },
    get tokenRequestCount() {
      return state.tokenRequestCount;
    },
    get apiRequests() {
      return state.apiRequests.map((entry) => ({ ...entry }));
    },
    revokeAll: () => context.registry.revokeAll(),
    revokeToken: (token) => context.registry.revoke(jtiOf(token) ?? token),
    rotateDPoPNonce() {
      if (context.dpop === undefined) {
        throw new TypeError(
          'auth.rotateDPoPNonce(): this server has no DPoP; create it with { dpop: true }.',
        );
      }
      context.dpop.rotate();
    },
    holdNextTokenRequest: () => state.holds.add(),
    failNextTokenRequests: (count, failure = {}) => state.failures.add(count, failure),
    setLatency(ms) {
      state.latency = positive('latency', ms, true);
    },
    issueTokens: (issueOptions) => issueTokens(context, issueOptions),
    authorize: (url, authorizeOptions) =>
      callbackUrl(
        logAuthorization(state.authorizationRequests, { via: 'authorize', at: context.clock() }, url, () =>
          answerAuthorization(context, url, authorizeOptions),
        ),
      ),
    reset() {
      state.generation += 1;
      state.tokenRequests.length = 0;
      state.authorizationRequests.length = 0;
      state.revocationRequests.length = 0;
      state.apiRequests.length = 0;
      state.failures.clear();
      state.holds.clear();
      state.tokenRequestCount = 0;
      state.latency = 0;
      context.registry.clear();
      context.codes.clear();
      context.dpop?.clear();
    },
  };
}

/** Every option name: the defaults list all of them but `clock` and `resources`. */
const OPTION_NAMES = [...Object.keys(authServerDefaults), 'clock', 'resources'];
const CLIENT_KEYS = Object.keys({
  clientId: true,
  clientSecret: true,
  grantTypes: true,
  redirectUris: true,
  dpopBoundAccessTokens: true,
} satisfies Record<keyof TestClient, true>);
const DPOP_KEYS = Object.keys({ requireNonce: true } satisfies Record<keyof DPoPServerOptions, true>);
const USER_KEYS = Object.keys({ username: true, password: true } satisfies Record<keyof TestUser, true>);
const ISSUE_TOKENS_KEYS = Object.keys({
  username: true,
  clientId: true,
  scope: true,
  audience: true,
} satisfies Record<keyof IssueTokensOptions, true>);

/** Refuses names the server would otherwise ignore, e.g. oidc-provider's `rotateRefreshToken`. */
function assertOptions(options: AuthServerOptions): void {
  const where = 'createAuthServer(options)';
  assertKnownOptions(options, OPTION_NAMES, where);
  // Else `.replace is not a function`, `forEach is not a function`, or a clock that fails at the first token.
  const { issuer, clock, dpop } = options as Record<string, unknown>;
  for (const name of ['slidingRefreshTokenLifetime', 'rotateRefreshTokens', 'revokeFamily'] as const) {
    assertBoolean(options[name], name, where);
  }
  if (dpop != null && typeof dpop !== 'boolean' && typeof dpop !== 'object') {
    throw new TypeError(`${where}: dpop must be true, false or { requireNonce }, got ${typeof dpop}`);
  }
  // RFC 8414 §2: an issuer has no query or fragment (the endpoints are the issuer plus a path).
  if (issuer != null && !(typeof issuer === 'string' && URL.canParse(issuer) && !/[?#]/.test(issuer))) {
    throw new TypeError(
      `createAuthServer(options): issuer must be an absolute URL string without query or fragment, such as ${authServerDefaults.issuer}`,
    );
  }
  // Requests arrive with the URL as the parser writes it: an issuer it rewrites (an upper-case host, a
  // space, `"`, `\\`, non-ASCII) would have endpoints no request matches, and a 401 realm no header can hold.
  const parsed = issuer == null ? '' : new URL(issuer).href;
  if (issuer != null && parsed !== issuer && parsed !== `${issuer}/`) {
    throw new TypeError(
      `createAuthServer(options): issuer must be written as the URL parser writes it: ${JSON.stringify(parsed.replace(/\/$/, ''))}, not ${JSON.stringify(issuer)}`,
    );
  }
  if (options.audience != null && typeof options.audience !== 'string') {
    throw new TypeError(
      `createAuthServer(options): audience must be a string such as ${authServerDefaults.audience}, got ${typeof options.audience}`,
    );
  }
  for (const name of ['clients', 'users'] as const) {
    if (options[name] != null && !Array.isArray(options[name])) {
      throw new TypeError(`createAuthServer(options): ${name} must be an array, got ${typeof options[name]}`);
    }
  }
  if (clock != null && typeof clock !== 'function') {
    throw new TypeError(
      `createAuthServer(options): clock must be a function returning epoch milliseconds, got ${typeof clock}`,
    );
  }
  options.clients?.forEach((client, index) => {
    assertKnownOptions(client, CLIENT_KEYS, `createAuthServer(options): clients[${index}]`);
  });
  if (typeof options.dpop === 'object' && options.dpop !== null) {
    assertKnownOptions(options.dpop, DPOP_KEYS, `${where}: dpop`);
    assertBoolean(options.dpop.requireNonce, 'dpop.requireNonce', where);
  }
  options.clients?.forEach((client, index) => {
    // oidc-provider registers no such client; the kit took it, then refused its Basic credentials on
    // every request (decision 0300). The value is never shown: it may be a secret.
    for (const key of ['clientId', 'clientSecret'] as const) {
      const value: unknown = client[key];
      if (key === 'clientSecret' && value === undefined) continue;
      if (typeof value !== 'string' || value === '' || NOT_VSCHAR.test(value)) {
        const got =
          typeof value !== 'string' ? typeof value : value ? 'another character' : 'an empty string';
        throw new TypeError(
          `createAuthServer(options): clients[${index}].${key} must be a non-empty string of printable ASCII (RFC 6749 VSCHAR), as oidc-provider requires; got ${got}.`,
        );
      }
    }
    assertBoolean(client.dpopBoundAccessTokens, `clients[${index}].dpopBoundAccessTokens`, where);
    if (client.dpopBoundAccessTokens && !options.dpop) {
      throw new TypeError(
        `createAuthServer(options): clients[${index}] has dpopBoundAccessTokens, but the server has no DPoP; add dpop: true.`,
      );
    }
  });
  options.users?.forEach((user, index) => {
    assertKnownOptions(user, USER_KEYS, `createAuthServer(options): users[${index}]`);
  });
  // A string would be searched as text: `'https://api.example.test'` knew `https://api` too.
  const { resources } = options;
  if (
    resources !== undefined &&
    !(Array.isArray(resources) && resources.every((r) => typeof r === 'string'))
  ) {
    throw new TypeError(
      "createAuthServer(options): resources must be an array of resource URIs, e.g. ['https://api.example.test']",
    );
  }
}

function issueTokens(context: ServerContext, options: IssueTokensOptions = {}): Promise<IssuedTokenResponse> {
  try {
    assertKnownOptions(options, ISSUE_TOKENS_KEYS, 'auth.issueTokens(options)');
    for (const [name, value] of Object.entries(options)) {
      if (value != null && typeof value !== 'string') {
        throw new TypeError(`auth.issueTokens(options): ${name} must be a string, got ${typeof value}`);
      }
    }
  } catch (error) {
    return Promise.reject(error);
  }
  const username = options.username ?? context.users[0]?.username;
  const clientId = options.clientId ?? context.clients[0]?.clientId;
  const user = context.users.find((candidate) => candidate.username === username);
  const client = context.clients.find((candidate) => candidate.clientId === clientId);
  if (user === undefined)
    return Promise.reject(new Error(`issueTokens: no user ${String(username)} on this server.`));
  if (client === undefined)
    return Promise.reject(new Error(`issueTokens: no client ${String(clientId)} on this server.`));
  const scope = (options.scope ?? '').split(' ').filter(Boolean).join(' ');
  const audience = options.audience ?? context.audience;
  return mintNewFamily(context, {
    subject: user.username,
    clientId: client.clientId,
    scope,
    audience,
    withRefreshToken: true,
  });
}

function dpopStateOf(option: boolean | DPoPServerOptions): DPoPState | undefined {
  if (option === false) return undefined;
  return new DPoPState(option !== true && option.requireNonce === true);
}

/** The `jti` of a JWT (unverified: the registry decides), or undefined for anything else. */
function jtiOf(token: string): string | undefined {
  try {
    const { jti } = decodeJwt(token);
    return typeof jti === 'string' ? jti : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A JWT `exp` has whole seconds, so a lifetime under 1000 ms would mint tokens already expired
 * (`exp` = `iat`, `expires_in: 0`) — usually a lifetime written in seconds by mistake.
 */
function wholeSecondOrMore(ms: number): number {
  positive('accessTokenLifetime', ms);
  if (ms < 1000) {
    throw new RangeError(
      `accessTokenLifetime is in milliseconds and must be at least 1000 (a JWT exp has whole seconds), got ${ms}.`,
    );
  }
  return ms;
}

function positive(name: string, ms: number, allowZero = false): number {
  if (!Number.isFinite(ms) || ms < 0 || (!allowZero && ms === 0)) {
    throw new RangeError(
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number of milliseconds, got ${shown(ms)}.`,
    );
  }
  return ms;
}
