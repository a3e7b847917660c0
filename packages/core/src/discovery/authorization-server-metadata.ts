/**
 * Authorization server metadata (RFC 8414 §2, OpenID Connect Discovery 1.0 §3), as `discover()`
 * returns it: field names verbatim, the endpoint fields named below checked to be an absolute https
 * URL (http only when the issuer itself is http, and off loopback only with `allowInsecureHttp`).
 * Other endpoints (`registration_endpoint`, `introspection_endpoint`,
 * `pushed_authorization_request_endpoint`…), which Tessera does not use, are returned as the server
 * sent them, unchecked: pass one through `parseEndpointUrl` before use.
 */
export interface AuthorizationServerMetadata {
  /** The issuer identifier, identical to the one asked for. */
  issuer: string;
  /** Where the browser is sent to sign in (authorization code flow). */
  authorization_endpoint?: string | undefined;
  /** The token endpoint. Always present. */
  token_endpoint: string;
  /** RFC 7009 token revocation. */
  revocation_endpoint?: string | undefined;
  /** OpenID Connect RP-initiated logout. */
  end_session_endpoint?: string | undefined;
  /** The server's signing keys. */
  jwks_uri?: string | undefined;
  /** OpenID Connect UserInfo. */
  userinfo_endpoint?: string | undefined;
  /** RFC 9207: the authorization response carries `iss`, which the client must check. */
  authorization_response_iss_parameter_supported?: boolean | undefined;
  /** PKCE methods, e.g. `['S256']`. */
  code_challenge_methods_supported?: string[] | undefined;
  /** RFC 9449 DPoP proof algorithms. */
  dpop_signing_alg_values_supported?: string[] | undefined;
  /** Scopes the server knows. */
  scopes_supported?: string[] | undefined;
  /** Grant types the server supports. */
  grant_types_supported?: string[] | undefined;
  /**
   * RFC 8705 §5: the endpoints (`token_endpoint`…) a client authenticating with a certificate uses
   * instead; the aliases of the endpoint fields above checked as they are, any other alias as
   * unchecked as the field it stands for.
   */
  mtls_endpoint_aliases?: { token_endpoint?: string | undefined; [field: string]: unknown } | undefined;
  /** Any other metadata field, verbatim. */
  [field: string]: unknown;
}
