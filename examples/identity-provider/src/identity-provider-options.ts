/** A user who can sign in on the login page. */
export interface ExampleUser {
  username: string;
  password: string;
  name: string;
  email: string;
}

/** Options of `startIdentityProvider`. Durations are milliseconds (rounded to whole seconds). */
export interface IdentityProviderOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** Origins of the browser apps: allowed for CORS and, with `/` and `/callback`, as redirect URIs. */
  appOrigins: readonly string[];
  /** @default 'tessera-spa' */
  clientId?: string;
  /**
   * Makes the client confidential with this secret (parity tests of client authentication).
   * @default undefined — a public client (`token_endpoint_auth_method: 'none'`)
   */
  clientSecret?: string;
  /**
   * The confidential client's `token_endpoint_auth_method`; only with `clientSecret`.
   * @default undefined — oidc-provider's default, `client_secret_basic`
   */
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post';
  /** @default every app origin + `/` and + `/callback` */
  redirectUris?: readonly string[];
  /**
   * The SPA client's `grant_types`; a refresh token is issued only when `refresh_token` is among them.
   * @default ['authorization_code', 'refresh_token']
   */
  grantTypes?: readonly string[];
  /** @default every app origin + `/` */
  postLogoutRedirectUris?: readonly string[];
  /** @default [{ username: 'alice', password: 'wonderland', name: 'Alice Liddell', email: 'alice@example.test' }] */
  users?: readonly ExampleUser[];
  /** The API (RFC 8707 resource indicator); access tokens are JWTs with this `aud`. @default 'urn:tessera:example-api' */
  apiResource?: string;
  /** Scopes of the API. @default 'api:read' */
  apiScope?: string;
  /** Lifetime of access tokens. @default 60_000 */
  accessTokenTtl?: number;
  /** Lifetime of refresh tokens (each rotation issues a new one). @default 3_600_000 */
  refreshTokenTtl?: number;
  /**
   * DPoP (RFC 9449) for the SPA client: its tokens must be DPoP-bound (`dpop_bound_access_tokens`),
   * proofs must carry the provider's nonce (a fresh `nonceSecret`), replayed proofs are refused.
   * @default false — oidc-provider's defaults: bearer tokens unless a proof is sent, no nonces
   */
  dpop?: boolean;
  /**
   * Revoking a refresh token (RFC 7009) revokes its whole grant: every token of that sign-in, rotated-out
   * refresh tokens included. `false`: only the refresh token presented, as providers without grant-wide
   * revocation do — revoking a rotated-out one then leaves the newest valid.
   * @default true — oidc-provider's behaviour
   */
  revokeGrant?: boolean;
}

export const identityProviderDefaults = {
  clientId: 'tessera-spa',
  users: [{ username: 'alice', password: 'wonderland', name: 'Alice Liddell', email: 'alice@example.test' }],
  apiResource: 'urn:tessera:example-api',
  apiScope: 'api:read',
  accessTokenTtl: 60_000,
  refreshTokenTtl: 3_600_000,
} as const;

/** The options with their defaults applied. */
export type Settings = IdentityProviderOptions & {
  clientId: string;
  users: readonly ExampleUser[];
  apiResource: string;
  apiScope: string;
  accessTokenTtl: number;
  refreshTokenTtl: number;
};
