import type { AxiosError } from 'axios';
import { parseWwwAuthenticate } from './parse-www-authenticate.js';

/**
 * The default `shouldRefresh`: the response is HTTP 401 and its `WWW-Authenticate` header does not
 * name a Bearer error other than `invalid_token` (RFC 6750 §3.1). A 401 with no readable challenge
 * counts (in browsers the header is only readable when CORS exposes it); `invalid_request` or
 * `insufficient_scope` do not, since a new token would not change the answer.
 */
export function isTokenRejected(error: AxiosError): boolean {
  const response = error.response;
  if (response?.status !== 401) return false;
  const header = headerValue(response.headers, 'www-authenticate');
  if (header === undefined) return true;
  const bearer = parseWwwAuthenticate(header).find((challenge) => challenge.scheme === 'bearer');
  const code = bearer?.params.error;
  return code === undefined || code === 'invalid_token';
}

/** Reads a header from axios's `AxiosHeaders` or from a plain object (custom adapters), case-insensitively. */
function headerValue(headers: unknown, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const getter = (headers as { get?: unknown }).get;
  let value: unknown;
  if (typeof getter === 'function') {
    value = getter.call(headers, name);
  } else {
    const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
    value = key === undefined ? undefined : (headers as Record<string, unknown>)[key];
  }
  if (Array.isArray(value)) return value.join(', ');
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
