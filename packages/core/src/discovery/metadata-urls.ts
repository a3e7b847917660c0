/**
 * The metadata URLs of `issuer`, in the order they are tried: RFC 8414 §3.1 (the well-known segment
 * goes between host and path), then OpenID Connect Discovery 1.0 §4 (appended to the path). For an
 * issuer without a path both live under `/.well-known/` of the origin.
 */
export function metadataUrls(issuer: URL): URL[] {
  const path = issuer.pathname === '/' ? '' : issuer.pathname.replace(/\/$/, '');
  return [
    new URL(`${issuer.origin}/.well-known/oauth-authorization-server${path}`),
    new URL(`${issuer.origin}${path}/.well-known/openid-configuration`),
  ];
}
