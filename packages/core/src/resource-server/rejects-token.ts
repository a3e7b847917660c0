import { parseWwwAuthenticate } from './parse-www-authenticate.js';

/**
 * Whether a resource server's answer means "this access token was rejected", so that a new token
 * could change the answer: HTTP 401 whose `WWW-Authenticate` header does not name an error other
 * than `invalid_token` (RFC 6750 §3.1) in a Bearer or DPoP challenge. A 401 without a readable
 * challenge counts (browsers hide the header unless CORS exposes it); `invalid_request` or
 * `insufficient_scope` do not. Shared by `@tessera/axios` and `@tessera/fetch`.
 *
 * @param status the HTTP status.
 * @param wwwAuthenticate the `WWW-Authenticate` header value, if any (several values joined with `, `).
 */
export function rejectsToken(status: number, wwwAuthenticate: string | null | undefined): boolean {
  if (status !== 401) return false;
  if (typeof wwwAuthenticate !== 'string' || wwwAuthenticate.trim() === '') return true;
  const challenge = parseWwwAuthenticate(wwwAuthenticate).find(
    (candidate) => candidate.scheme === 'bearer' || candidate.scheme === 'dpop',
  );
  const code = challenge?.params.error;
  return code === undefined || code === 'invalid_token';
}
