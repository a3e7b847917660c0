import type { AxiosError } from 'axios';
import { rejectsToken } from './core.js';
import { getHeader } from './request-headers.js';

/**
 * The default `shouldRefresh`: the response is HTTP 401 and its `WWW-Authenticate` header has a
 * challenge for `scheme` (the one the token went with; unknown: `Bearer` or `DPoP`) that names no
 * error other than `invalid_token` (RFC 6750 §3.1), or no readable challenge at all — core's
 * `rejectsToken`, the rule `@tessera/fetch` uses too. Reads `AxiosHeaders` or a plain object (`getHeader`).
 */
export function isTokenRejected(error: AxiosError, scheme?: string): boolean {
  const response = error.response;
  if (response?.status !== 401) return false;
  const value = getHeader(response.headers, 'www-authenticate');
  return rejectsToken(401, Array.isArray(value) ? value.join(', ') : (value as string | undefined), scheme);
}
