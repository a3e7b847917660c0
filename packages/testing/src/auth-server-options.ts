/** A registered OAuth2 client. Without `clientSecret` it is a public client (a browser app). */
export interface TestClient {
  /** The `client_id`. */
  clientId: string;
  /**
   * The client secret; the client must authenticate with `client_secret_basic` or
   * `client_secret_post`. Omit for a public client that sends only `client_id`.
   * @default undefined (public client)
   */
  clientSecret?: string;
  /**
   * Grants this client may use; others answer `unauthorized_client`.
   * @default ['authorization_code', 'password', 'refresh_token'] for public clients, plus 'client_credentials' for confidential ones
   */
  grantTypes?: readonly string[];
  /**
   * Registered redirect URIs: an authorization request with another `redirect_uri` is refused
   * without a redirect (exact string match). Without them any absolute URL is accepted; the token
   * request must still send the one of its authorization request.
   * @default undefined (any redirect URI)
   */
  redirectUris?: readonly string[];
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
   * @default 'https://auth.example.test'
   */
  issuer?: string;
  /**
   * Registered clients.
   * @default [{ clientId: 'web' }, { clientId: 'service', clientSecret: 'service-secret' }]
   */
  clients?: readonly TestClient[];
  /**
   * Users for the `password` grant and for `authorize` (the first one signs in unless the request's
   * `login_hint` or `authorize`'s `username` names another).
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
   * Lifetime of refresh tokens, in ms, counted from when each one is issued.
   * @default 86_400_000
   */
  refreshTokenLifetime?: number;
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
}

/** The defaults the README lists; `createAuthServer` reads them from here. */
export const authServerDefaults = {
  issuer: 'https://auth.example.test',
  clients: [{ clientId: 'web' }, { clientId: 'service', clientSecret: 'service-secret' }],
  users: [{ username: 'alice', password: 'wonderland' }],
  accessTokenLifetime: 300_000,
  authorizationCodeLifetime: 60_000,
  refreshTokenLifetime: 86_400_000,
  rotateRefreshTokens: true,
  revokeFamily: true,
  audience: 'https://api.example.test',
} as const satisfies Required<Omit<AuthServerOptions, 'clock'>>;
