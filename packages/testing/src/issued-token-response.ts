/**
 * A successful token endpoint response (RFC 6749 §5.1) as the test server sends it. Assignable to
 * `TokenResponse` of `@tessera/core`, so `tokens.setTokens(await auth.issueTokens())` works.
 */
export type IssuedTokenResponse = {
  /**
   * A JWT (RFC 9068) with `iss`, `sub`, `aud`, `exp`, `iat`, `jti`, `client_id`, `scope`, and
   * `cnf.jkt` when it is bound to a DPoP key.
   */
  access_token: string;
  /** `DPoP` for a token bound to the request's DPoP proof (server option `dpop`), else `Bearer`. */
  token_type: 'Bearer' | 'DPoP';
  /** Seconds. */
  expires_in: number;
  /** Only for user sign-ins (`authorization_code`, `password`, `refresh_token` grants). */
  refresh_token?: string;
  /** An OpenID Connect ID token (ES256), from an `authorization_code` grant whose scope has `openid`. */
  id_token?: string;
  /** The granted scope, when not empty. */
  scope?: string;
};
