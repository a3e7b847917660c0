import { HttpError, NetworkError, RateLimitError, TesseraError, TimeoutError } from '@tessera/core';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { DiscoveryError } from './errors/discovery-error.js';

/** How `discoverTokenEndpoint` sends its requests. */
export interface DiscoveryOptions {
  /** @default a private axios instance */
  httpClient?: AxiosInstance | undefined;
  /** Timeout of each metadata request, in ms. */
  timeout: number;
  /** Aborts discovery (the client was disposed). */
  signal: AbortSignal;
}

let defaultClient: AxiosInstance | undefined;

/**
 * The metadata URLs of `issuer`, in the order they are tried: RFC 8414 §3.1 (the well-known
 * segment goes between host and path), then OpenID Connect Discovery 1.0 §4 (appended to the path).
 * For an issuer without a path both live under `/.well-known/` of the origin.
 */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ];
}

/**
 * Reads the token endpoint from the authorization server metadata of `issuer`. A URL answering
 * with a non-transient error status or a body that is not a JSON object is skipped for the next one.
 *
 * @throws {DiscoveryError} no metadata, an `issuer` mismatch or no usable `token_endpoint`. Not retried.
 * @throws {NetworkError | TimeoutError | HttpError | RateLimitError} transient failures; retried by the caller's policy.
 */
export async function discoverTokenEndpoint(issuer: string, options: DiscoveryOptions): Promise<string> {
  const misses: string[] = [];
  for (const url of metadataUrls(issuer)) {
    const response = await fetchMetadata(url, options);
    const where = `GET ${url} (authorization server metadata)`;
    if (response.status === 429) throw new RateLimitError(where, retryAfterOf(response));
    if (response.status === 408 || response.status >= 500) {
      throw new HttpError(response.status, where, retryAfterOf(response));
    }
    const document = response.status >= 200 && response.status < 300 ? jsonObject(response.data) : undefined;
    if (!document) {
      const what = response.status >= 300 ? `HTTP ${response.status}` : 'not a JSON object';
      misses.push(`${url} (${what})`);
      continue;
    }
    return tokenEndpointOf(document, issuer, url);
  }
  throw new DiscoveryError('not_found', issuer, `no metadata at ${misses.join(' nor at ')}`);
}

function tokenEndpointOf(document: Record<string, unknown>, issuer: string, url: string): string {
  if (document.issuer !== issuer) {
    const said = typeof document.issuer === 'string' ? `"${document.issuer}"` : 'no issuer';
    throw new DiscoveryError(
      'issuer_mismatch',
      issuer,
      `the metadata at ${url} names ${said}; the issuer option must be identical (RFC 8414 §3.3)`,
    );
  }
  const endpoint = document.token_endpoint;
  const parsed = typeof endpoint === 'string' && URL.canParse(endpoint) ? new URL(endpoint) : undefined;
  const secure = parsed?.protocol === 'https:' || new URL(issuer).protocol === 'http:';
  if (!parsed || !/^https?:$/.test(parsed.protocol) || !secure) {
    throw new DiscoveryError(
      'invalid_token_endpoint',
      issuer,
      `the metadata at ${url} has no usable token_endpoint (an absolute https URL is required)`,
    );
  }
  return parsed.href;
}

async function fetchMetadata(url: string, options: DiscoveryOptions): Promise<AxiosResponse<string>> {
  const where = `GET ${url} (authorization server metadata)`;
  const timeout = AbortSignal.timeout(options.timeout);
  try {
    defaultClient ??= axios.create();
    return await (options.httpClient ?? defaultClient).get<string>(url, {
      headers: { Accept: 'application/json' },
      signal: AbortSignal.any([timeout, options.signal]),
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      maxRedirects: 0,
    });
  } catch (error) {
    if (options.signal.aborted) {
      const { reason } = options.signal;
      throw reason instanceof TesseraError ? reason : new NetworkError(where, error);
    }
    if (timeout.aborted) throw new TimeoutError(options.timeout, where);
    throw new NetworkError(where, error);
  }
}

function jsonObject(text: unknown): Record<string, unknown> | undefined {
  try {
    const value: unknown = typeof text === 'string' ? JSON.parse(text) : text;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** `Retry-After` in ms (delay-seconds or HTTP-date), as core reads it for token requests. */
function retryAfterOf(response: AxiosResponse): number | undefined {
  const header: unknown = response.headers['retry-after'];
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
