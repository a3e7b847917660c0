import { HttpResponse, http, type RequestHandler } from 'msw';
import { DPOP_ALGORITHMS } from './dpop-proof.js';
import type { ServerContext } from './server-context.js';

/** The JWKS URL of an issuer. */
export function jwksUrlOf(issuer: string): string {
  return `${issuer}/.well-known/jwks.json`;
}

/**
 * The metadata URLs of an issuer: RFC 8414 §3.1 puts `/.well-known/oauth-authorization-server` between
 * host and path, OpenID Connect Discovery 1.0 §4 appends `/.well-known/openid-configuration` to the path.
 * For an issuer without a path both live under `/.well-known/` of the origin.
 */
export function metadataUrlsOf(issuer: string): { rfc8414: string; openid: string } {
  const { origin, pathname } = new URL(issuer);
  const path = pathname === '/' ? '' : pathname;
  return {
    rfc8414: `${origin}/.well-known/oauth-authorization-server${path}`,
    openid: `${issuer}/.well-known/openid-configuration`,
  };
}

/** Client authentication at the token and revocation endpoints alike. */
const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'];

/** JWKS and discovery documents (RFC 8414 and OpenID Connect Discovery). */
export function discoveryHandlers(context: ServerContext): RequestHandler[] {
  const metadata = (): Record<string, unknown> => ({
    issuer: context.issuer,
    authorization_endpoint: context.authorizationUrl,
    token_endpoint: context.tokenUrl,
    revocation_endpoint: context.revocationUrl,
    jwks_uri: jwksUrlOf(context.issuer),
    grant_types_supported: ['authorization_code', 'client_credentials', 'password', 'refresh_token'],
    token_endpoint_auth_methods_supported: AUTH_METHODS,
    revocation_endpoint_auth_methods_supported: AUTH_METHODS,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    // RFC 9207: `authorize` always adds `iss`, as oidc-provider does.
    authorization_response_iss_parameter_supported: true,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['ES256'],
    ...(context.dpop ? { dpop_signing_alg_values_supported: [...DPOP_ALGORITHMS] } : {}),
  });
  const urls = metadataUrlsOf(context.issuer);
  return [
    http.get(jwksUrlOf(context.issuer), async () => HttpResponse.json(await context.key.jwks())),
    http.get(urls.openid, () => HttpResponse.json(metadata())),
    http.get(urls.rfc8414, () => HttpResponse.json(metadata())),
  ];
}
