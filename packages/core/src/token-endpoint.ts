import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { AbortError } from './errors/abort-error.js';
import { HttpError } from './errors/http-error.js';
import { MalformedResponseError } from './errors/malformed-response-error.js';
import { NetworkError } from './errors/network-error.js';
import { OAuthError } from './errors/oauth-error.js';
import { RateLimitError } from './errors/rate-limit-error.js';
import { TesseraError } from './errors/tessera-error.js';
import { redact } from './internal/redact.js';
import { parseRetryAfter } from './internal/retry-after.js';
import type { TokenResponse } from './token-set.js';

/**
 * How the client authenticates at the token endpoint (RFC 6749 §2.3, OIDC Core §9).
 * `none` is a public client (a browser app): `client_id` in the body, no secret.
 */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

/** Form parameters of a token request. Arrays repeat the parameter (e.g. several `resource`s). */
export type TokenRequestParams = Record<string, string | readonly string[] | undefined>;

/** One RFC 6749 token request. */
export interface TokenRequest {
  /** The token endpoint. */
  tokenUrl: string | URL;
  /** The `grant_type`, e.g. `refresh_token`. */
  grantType: string;
  /** The `client_id`. */
  clientId?: string | undefined;
  /** The client secret, for `client_secret_basic` and `client_secret_post`. */
  clientSecret?: string | undefined;
  /**
   * How the client authenticates.
   * @default 'client_secret_basic' with a `clientSecret`, else 'none'
   */
  authMethod?: ClientAuthMethod | undefined;
  /** Further form parameters (`refresh_token`, `scope`, `audience`, `resource`, `client_assertion`…). */
  params?: TokenRequestParams | undefined;
  /** Aborts the request. `TokenManager` passes one that fires on timeout. */
  signal?: AbortSignal | undefined;
  /**
   * The axios instance that sends token requests. Keep it free of auth interceptors.
   * @default a private axios instance
   */
  httpClient?: AxiosInstance | undefined;
}

/** Parameters whose values are secrets and are redacted from anything the server echoes. */
const SECRET_PARAMS = [
  'refresh_token',
  'password',
  'client_secret',
  'client_assertion',
  'code',
  'code_verifier',
];

let defaultClient: AxiosInstance | undefined;

/** Token requests use their own axios instance, so no app interceptor ever sees them. */
function tokenClient(): AxiosInstance {
  defaultClient ??= axios.create();
  return defaultClient;
}

/**
 * Sends a form-encoded token request (RFC 6749 §3.2) and returns the parsed token response.
 *
 * @throws {OAuthError} the server answered with an OAuth error body (with any status, even 200).
 * @throws {RateLimitError} HTTP 429, with `retryAfter` in ms when the server sent `Retry-After`.
 * @throws {HttpError} any other HTTP error status without an OAuth error body.
 * @throws {MalformedResponseError} a 2xx answer that is not JSON or has no `access_token`.
 * @throws {NetworkError} no response at all.
 * @throws {AbortError} `signal` aborted (or its `reason`, when that is a Tessera error such as `TimeoutError`).
 */
export async function requestToken(request: TokenRequest): Promise<TokenResponse> {
  const url = new URL(request.tokenUrl);
  const where = `POST ${url.origin}${url.pathname}`;
  const { body, headers } = encodeRequest(request);
  const secrets = [request.clientSecret, ...SECRET_PARAMS.flatMap((name) => request.params?.[name] ?? [])];
  let response: AxiosResponse<string>;
  try {
    response = await (request.httpClient ?? tokenClient()).post<string>(url.href, body, {
      headers,
      ...(request.signal ? { signal: request.signal } : {}),
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      maxRedirects: 0,
    });
  } catch (error) {
    if (request.signal?.aborted) {
      const { reason } = request.signal;
      throw reason instanceof TesseraError ? reason : new AbortError(reason);
    }
    throw new NetworkError(where, error);
  }
  return parseTokenResponse(response, where, secrets);
}

function encodeRequest(request: TokenRequest): { body: string; headers: Record<string, string> } {
  const form = new URLSearchParams({ grant_type: request.grantType });
  for (const [name, value] of Object.entries(request.params ?? {})) {
    for (const item of typeof value === 'string' ? [value] : (value ?? [])) form.append(name, item);
  }
  const headers: Record<string, string> = {
    'Content-Type': 'application/x-www-form-urlencoded',
    Accept: 'application/json',
  };
  const method = request.authMethod ?? (request.clientSecret === undefined ? 'none' : 'client_secret_basic');
  if (method === 'client_secret_basic') {
    // RFC 6749 §2.3.1: both parts are form-urlencoded before Base64.
    const user = formEncode(request.clientId ?? '');
    const secret = formEncode(request.clientSecret ?? '');
    headers.Authorization = `Basic ${btoa(`${user}:${secret}`)}`;
  } else if (request.clientId !== undefined) {
    form.set('client_id', request.clientId);
    if (method === 'client_secret_post' && request.clientSecret !== undefined) {
      form.set('client_secret', request.clientSecret);
    }
  }
  return { body: form.toString(), headers };
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

function parseTokenResponse(
  response: AxiosResponse<string>,
  where: string,
  secrets: ReadonlyArray<string | undefined>,
): TokenResponse {
  const { status } = response;
  const retryAfter = parseRetryAfter(response.headers['retry-after'], Date.now());
  const body = parseJson(response.data);
  if (isRecord(body) && typeof body.error === 'string') {
    throw new OAuthError(
      {
        error: redact(body.error, secrets),
        errorDescription:
          typeof body.error_description === 'string' ? redact(body.error_description, secrets) : undefined,
        errorUri: typeof body.error_uri === 'string' ? body.error_uri : undefined,
        status,
        retryAfter,
      },
      where,
    );
  }
  if (status === 429) throw new RateLimitError(where, retryAfter);
  if (status < 200 || status >= 300) throw new HttpError(status, where, retryAfter);
  if (body === undefined) {
    throw new MalformedResponseError('not_json', 'the body is not JSON (an HTML page?)', where, status);
  }
  if (!isRecord(body))
    throw new MalformedResponseError('not_an_object', 'expected a JSON object', where, status);
  if (typeof body.access_token !== 'string' || body.access_token === '') {
    throw new MalformedResponseError(
      'missing_access_token',
      'no access_token in the response',
      where,
      status,
    );
  }
  return body as TokenResponse;
}

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') return isRecord(text) ? text : undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
