import { HttpResponse, http, type RequestHandler } from 'msw';
import type { ServerContext } from './server-context.js';

/** The JWKS URL of an issuer. */
export function jwksUrlOf(issuer: string): string {
  return `${issuer}/.well-known/jwks.json`;
}

/** JWKS and discovery documents (RFC 8414 and OpenID Connect Discovery). */
export function discoveryHandlers(context: ServerContext): RequestHandler[] {
  const metadata = (): Record<string, unknown> => ({
    issuer: context.issuer,
    token_endpoint: context.tokenUrl,
    jwks_uri: jwksUrlOf(context.issuer),
    grant_types_supported: ['client_credentials', 'password', 'refresh_token'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    response_types_supported: ['token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['ES256'],
  });
  return [
    http.get(jwksUrlOf(context.issuer), async () => HttpResponse.json(await context.key.jwks())),
    http.get(`${context.issuer}/.well-known/openid-configuration`, () => HttpResponse.json(metadata())),
    http.get(`${context.issuer}/.well-known/oauth-authorization-server`, () => HttpResponse.json(metadata())),
  ];
}
