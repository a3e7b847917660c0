/** A registered OAuth2 client. Without `clientSecret` it is a public client (a browser app). */
export interface TestClient {
  /** The `client_id`: printable ASCII (RFC 6749 VSCHAR), as oidc-provider requires. */
  clientId: string;
  /**
   * The client secret, printable ASCII as `clientId`; the client must authenticate with
   * `client_secret_basic` or `client_secret_post`. Omit for a public client that sends only `client_id`.
   * @default undefined (public client)
   */
  clientSecret?: string;
  /**
   * Grants this client may use; others answer `invalid_request`, as oidc-provider does.
   * @default ['authorization_code', 'password', 'refresh_token'] for public clients, plus 'client_credentials' for confidential ones
   */
  grantTypes?: readonly string[];
  /**
   * Registered redirect URIs: an authorization request with another `redirect_uri` is refused
   * without a redirect (exact string match). Without them any absolute URL is accepted but one with a
   * scheme oidc-provider never registers (`javascript:`, `vbscript:`, `data:`, `blob:`, `file:`,
   * `about:`); the token request must still send the one of its authorization request.
   * @default undefined (any redirect URI)
   */
  redirectUris?: readonly string[];
  /**
   * Every token request of this client must carry a DPoP proof, else `invalid_grant` (oidc-provider's
   * client metadata `dpop_bound_access_tokens`). Needs the server's `dpop` option.
   * @default false
   */
  dpopBoundAccessTokens?: boolean;
}

/** How `createAuthServer({ dpop })` does DPoP (RFC 9449). */
export interface DPoPServerOptions {
  /**
   * A token request's proof must carry the token endpoint's current nonce: without one the answer is
   * `400 use_dpop_nonce` with the nonce in `DPoP-Nonce` (oidc-provider's `requireNonce: () => true`).
   * A proof that carries an old nonce (after `auth.rotateDPoPNonce()`) is answered so either way.
   * For `protectedApi` see its `requireDPoPNonce`.
   * @default false
   */
  requireNonce?: boolean;
}

/** A resource owner for the `password` grant. */
export interface TestUser {
  /** The `username`, also the `sub` of the user's tokens. */
  username: string;
  /** The `password`. */
  password: string;
}

/** Options of `createAuthServer`. Durations are milliseconds. */
export interface AuthServerOptions {
  /**
   * The issuer URL (`iss`). Token endpoint `${issuer}/oauth/token`, JWKS
   * `${issuer}/.well-known/jwks.json`, discovery `${issuer}/.well-known/openid-configuration`.
   * Absolute, without query or fragment, and written as the URL parser writes it (a lower-case host,
   * path characters percent-encoded): requests arrive in that form, so another spelling is refused.
   * @default 'https://auth.example.test'
   */
  issuer?: string;
  /**
   * Registered clients, copied at creation: changing the array later does not change the server.
   * @default [{ clientId: 'web' }, { clientId: 'service', clientSecret: 'service-secret' }]
   */
  clients?: readonly TestClient[];
  /**
   * Users for the `password` grant and for `authorize` (the first one signs in unless the request's
   * `login_hint` or `authorize`'s `username` names another). Copied at creation, like `clients`.
   * @default [{ username: 'alice', password: 'wonderland' }]
   */
  users?: readonly TestUser[];
  /**
   * Lifetime of access tokens, in ms (`expires_in` and the JWT `exp`); at least 1000, since `exp`
   * has whole seconds.
   * @default 300_000
   */
  accessTokenLifetime?: number;
  /**
   * Lifetime of authorization codes, in ms: an older code answers `invalid_grant` (oidc-provider's default).
   * @default 60_000
   */
  authorizationCodeLifetime?: number;
  /**
   * Lifetime of refresh tokens, in ms, counted from the sign-in: a rotated refresh token keeps the
   * expiry of the one it replaced, so a session that refreshes every few minutes still ends, with
   * `invalid_grant`, this long after it began (oidc-provider's grant lifetime, and its default for a
   * public web client's rotated refresh tokens). See `slidingRefreshTokenLifetime`.
   * @default 86_400_000
   */
  refreshTokenLifetime?: number;
  /**
   * Count `refreshTokenLifetime` from when each refresh token is issued instead, so a session that
   * keeps refreshing never ends (an "inactivity" lifetime, as oidc-provider with a number for
   * `ttl.RefreshToken` and a longer `ttl.Grant`).
   * @default false
   */
  slidingRefreshTokenLifetime?: boolean;
  /**
   * Issue a new refresh token on every refresh and treat a second use of a rotated one as theft:
   * `invalid_grant`, and the whole token family (access tokens too) is revoked.
   * @default true
   */
  rotateRefreshTokens?: boolean;
  /**
   * Revoking a token at the revocation endpoint revokes its whole family (every refresh and access
   * token of that sign-in, rotated-out ones included), as oidc-provider does. `false`: only the token
   * presented, as servers without family revocation do — revoking a rotated-out refresh token then
   * leaves the newest one valid.
   * @default true
   */
  revokeFamily?: boolean;
  /**
   * The current time as epoch ms, for `iat`/`exp` and for validation in `protectedApi`.
   * Pass `createTestClock().now` to expire tokens without waiting.
   * @default Date.now
   */
  clock?: () => number;
  /**
   * The `aud` of access tokens for which no `resource` or `audience` was requested, and the
   * audience `protectedApi` expects unless told otherwise.
   * @default 'https://api.example.test'
   */
  audience?: string;
  /**
   * The resource servers (RFC 8707 resource indicators) a `resource` may name, as oidc-provider's
   * `features.resourceIndicators.getResourceServerInfo` knows them: another `resource` is
   * `invalid_target` at the authorization endpoint (redirected back) and at the token endpoint.
   * @default undefined (any absolute URI without fragment)
   * @example createAuthServer({ resources: ['https://api.example.test', 'https://billing.example.test'] })
   */
  resources?: readonly string[];
  /**
   * DPoP (RFC 9449), like oidc-provider 9 with a `nonceSecret`: a token request with a `DPoP` proof
   * gets `token_type: "DPoP"` and an access token bound to the proof's key (`cnf.jkt`); a public
   * client's refresh token is bound to it too. `protectedApi` then takes `Authorization: DPoP` with a
   * proof and refuses a bound token sent as Bearer. Requests without a proof still get Bearer tokens
   * unless the client has `dpopBoundAccessTokens`. `true` is `{}`. `false`: the `DPoP` header is ignored.
   * @default false
   */
  dpop?: boolean | DPoPServerOptions;
}

/**
 * The defaults the README lists; `createAuthServer` reads them from here. Frozen, nested arrays and
 * objects too: a test that assigns to it throws, instead of changing every server made after it.
 */
export const authServerDefaults = /* @__PURE__ */ frozen({
  issuer: 'https://auth.example.test',
  clients: [{ clientId: 'web' }, { clientId: 'service', clientSecret: 'service-secret' }],
  users: [{ username: 'alice', password: 'wonderland' }],
  accessTokenLifetime: 300_000,
  authorizationCodeLifetime: 60_000,
  refreshTokenLifetime: 86_400_000,
  slidingRefreshTokenLifetime: false,
  rotateRefreshTokens: true,
  revokeFamily: true,
  audience: 'https://api.example.test',
  dpop: false,
} as const satisfies Required<Omit<AuthServerOptions, 'clock' | 'resources'>>);

/** `value`, and every object and array in it, frozen. */
function frozen<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const nested of Object.values(value)) frozen(nested);
    Object.freeze(value);
  }
  return value;
}
