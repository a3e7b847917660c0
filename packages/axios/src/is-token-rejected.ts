import { rejectsToken } from '@tessera/core';
import type { AxiosError } from 'axios';

/**
 * The default `shouldRefresh`: the response is HTTP 401 and its `WWW-Authenticate` header does not
 * name an error other than `invalid_token` (RFC 6750 §3.1) — core's `rejectsToken`, the rule
 * `@tessera/fetch` uses too.
 */
export function isTokenRejected(error: AxiosError): boolean {
  const response = error.response;
  if (response?.status !== 401) return false;
  return rejectsToken(401, headerValue(response.headers, 'www-authenticate'));
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
  return typeof value === 'string' ? value : undefined;
}
