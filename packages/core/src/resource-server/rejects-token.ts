import { parseWwwAuthenticate } from './parse-www-authenticate.js';

/**
 * Whether a resource server's answer means "this access token was rejected", so that a new token
 * could change the answer: HTTP 401 whose `WWW-Authenticate` challenge for the scheme the token was
 * sent with names no error other than `invalid_token` (RFC 6750 §3.1). A 401 without a readable
 * challenge counts (browsers hide the header unless CORS exposes it); one whose challenges are all
 * for other schemes (`Basic`, `Negotiate`: RFC 9110 §11.6.1) does not, nor does `invalid_request`
 * or `insufficient_scope`. A DPoP token also takes a `Bearer` challenge as its own when there is no
 * `DPoP` one (servers that answer every token in RFC 6750's words); a Bearer token never takes a
 * `DPoP` one (that API wants a key-bound token). Shared by `@tessera/axios` and `@tessera/fetch`.
 *
 * @param status the HTTP status.
 * @param wwwAuthenticate the `WWW-Authenticate` header value, if any (several values joined with `, `).
 * @param scheme the scheme the token was sent with (`Bearer`, `DPoP`), compared case-insensitively;
 *   `''` for a bare token, which no challenge names: then other schemes' challenges do not stop a
 *   refresh, and only a `Bearer` or `DPoP` challenge's error is read.
 * @default scheme — not told: `Bearer` or `DPoP`, either
 */
export function rejectsToken(
  status: number,
  wwwAuthenticate: string | null | undefined,
  scheme?: string,
): boolean {
  if (status !== 401) return false;
  const challenges = typeof wwwAuthenticate === 'string' ? parseWwwAuthenticate(wwwAuthenticate) : [];
  if (challenges.length === 0) return true;
  const wanted = scheme?.toLowerCase();
  const challenge =
    challenges.find((candidate) => candidate.scheme === wanted) ??
    (wanted && wanted !== 'dpop'
      ? undefined
      : challenges.find((candidate) => candidate.scheme === 'bearer' || candidate.scheme === 'dpop'));
  if (!challenge) return wanted === '';
  const code = challenge.params.error;
  return code === undefined || code === 'invalid_token';
}
