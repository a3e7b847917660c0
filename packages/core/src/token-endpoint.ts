import { parseEndpointUrl } from './endpoint-url.js';
import { MalformedResponseError } from './errors/malformed-response-error.js';
import type { FetchLike } from './fetch-like.js';
import { accessTokenOf } from './internal/access-token-of.js';
import { authenticateClient } from './internal/client-authentication.js';
import { exchange, failureOf } from './internal/oauth-exchange.js';
import { queryKeys, redactor } from './internal/redact.js';
import { places, refusedBodies } from './internal/response-where.js';
import type { TokenResponse } from './token-set.js';

/**
 * How the client authenticates at the token endpoint (RFC 6749 §2.3, OIDC Core §9).
 * `none` is a public client (a browser app): `client_id` in the body, no secret.
 */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

/** Form parameters of a token request. Arrays repeat the parameter (e.g. several `resource`s). */
export type TokenRequestParams = Record<string, string | readonly string[] | undefined>;

/** Options every request to an OAuth endpoint accepts: the transport and its safety switch. */
export interface EndpointRequestOptions {
  /**
   * The `fetch` that sends the request (e.g. undici's with a proxy or mTLS dispatcher, or a DPoP
   * decorator). Called as `fetch(url, { method, headers, body, redirect: 'manual', signal })`.
   * Keep it free of auth wrappers.
   * @default globalThis.fetch, read at call time
   */
  fetch?: FetchLike | undefined;
  /**
   * Accept `http:` endpoints on hosts that are not loopback. Tokens and secrets then travel in clear
   * text: only for private networks you trust.
   * @default false (http: only to localhost, 127.0.0.1, [::1])
   */
  allowInsecureHttp?: boolean | undefined;
}

/** One RFC 6749 token request. */
export interface TokenRequest extends EndpointRequestOptions {
  /** The token endpoint: an absolute https URL (http only on loopback or with `allowInsecureHttp`). */
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
   * Timeout of this request, in ms. `TokenManager` applies its own `timeout` around every attempt.
   * @default undefined (no timeout of its own)
   */
  timeout?: number | undefined;
}

/**
 * The parameters whose values are not redacted from what the server echoes: the target, the
 * redirect URI and the username, which a caller needs to read in an `invalid_scope`, a redirect
 * mismatch or a refused sign-in, and the RFC-defined type URNs. Every other value is a secret: `refresh_token`, `password`,
 * `client_assertion`, `code`, and whatever a caller adds (an API key, decision 0408).
 */
const PUBLIC_PARAMS = new Set([
  'scope',
  'audience',
  'resource',
  'redirect_uri',
  'username',
  'client_assertion_type',
  'subject_token_type',
  'actor_token_type',
  'requested_token_type',
]);

/**
 * Sends a form-encoded token request (RFC 6749 §3.2) with `fetch` and returns the parsed token
 * response. A `refresh_token` in the answer to a `client_credentials` request is dropped (RFC 6749
 * §4.4.3 says none is issued; the client asks again with its credentials, decision 0408).
 *
 * @throws {TypeError} `tokenUrl` is relative, not http(s), has credentials in it, or is `http:` to a
 *   host that is not loopback without `allowInsecureHttp`.
 * @throws {OAuthError} the server answered with an OAuth error body (with any status, even 200).
 * @throws {RateLimitError} HTTP 429, with `retryAfter` in ms when the server sent `Retry-After`.
 * @throws {HttpError} any other HTTP error status without an OAuth error body, or a redirect.
 * @throws {MalformedResponseError} a 2xx answer that is not JSON or has no `access_token`; any answer
 *   over 1 MiB (`too_large`); a 2xx whose body broke off (`incomplete`: never retried, the server may have
 *   rotated the refresh token).
 * @throws {NetworkError} no response at all.
 * @throws {TimeoutError} `timeout` elapsed.
 * @throws {AbortError} `signal` aborted (or its `reason`, when that is a Tessera error such as `TimeoutError`).
 */
export async function requestToken(request: TokenRequest): Promise<TokenResponse> {
  const url = parseEndpointUrl(request.tokenUrl, 'requestToken: tokenUrl', request.allowInsecureHttp);
  const form = new URLSearchParams({ grant_type: request.grantType });
  // A value in the URL's query may be a key (`?api_key=…`, decision 0407): redacted like the form's.
  const secrets = [request.clientSecret, ...queryKeys(url)];
  for (const [name, value] of Object.entries(request.params ?? {})) {
    for (const item of [value ?? []].flat()) {
      form.append(name, item);
      if (!PUBLIC_PARAMS.has(name)) secrets.push(item);
    }
  }
  const headers: Record<string, string> = {
    'Content-Type': 'application/x-www-form-urlencoded',
    Accept: 'application/json',
  };
  const basic = authenticateClient(request, form, headers);
  const redact = redactor(secrets, basic);
  const label = 'Token request';
  const response = await exchange({
    method: 'POST',
    url,
    headers,
    body: form.toString(),
    fetch: request.fetch,
    signal: request.signal,
    timeout: request.timeout,
    redact,
    label,
  });
  const failure = failureOf(response, redact, label);
  if (failure) throw failure;
  const { json: body, where, status } = response;
  if (body === undefined) {
    throw new MalformedResponseError('not_json', 'the body is not JSON (an HTML page?)', where, status);
  }
  try {
    accessTokenOf(body, where, status);
  } catch (error) {
    refusedBodies.set(error as object, body);
    throw error;
  }
  // RFC 6749 §4.4.3: no refresh token in a client-credentials answer. One kept would make the set look
  // refreshable (a session to end at a removal, decision 0508); the client asks with its credentials.
  // Casts, not a typed alias: the alias stays in the built file as a variable.
  if (request.grantType === 'client_credentials') delete (body as TokenResponse).refresh_token;
  places.set(body as TokenResponse, where);
  return body as TokenResponse;
}
