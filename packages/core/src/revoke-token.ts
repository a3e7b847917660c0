import { parseEndpointUrl } from './endpoint-url.js';
import { authenticateClient } from './internal/client-authentication.js';
import { exchange, failureOf } from './internal/oauth-exchange.js';
import { queryKeys, redactor } from './internal/redact.js';
import type { ClientAuthMethod, EndpointRequestOptions } from './token-endpoint.js';

/** Options of `revokeToken(options)`. Durations in milliseconds. */
export interface RevokeTokenOptions extends EndpointRequestOptions {
  /** The revocation endpoint (`revocation_endpoint` of the server's metadata). */
  revocationUrl: string | URL;
  /** The token to revoke: revoking a refresh token usually ends its access tokens too. */
  token: string;
  /** Which kind of token it is (RFC 7009 §2.1). @default undefined (the server finds out) */
  tokenTypeHint?: 'refresh_token' | 'access_token' | undefined;
  /** The `client_id`. @default undefined */
  clientId?: string | undefined;
  /** The client secret, for `client_secret_basic` and `client_secret_post`. @default undefined */
  clientSecret?: string | undefined;
  /**
   * How the client authenticates.
   * @default 'client_secret_basic' with a `clientSecret`, else 'none'
   */
  authMethod?: ClientAuthMethod | undefined;
  /** Aborts the request. @default undefined */
  signal?: AbortSignal | undefined;
  /**
   * Timeout of the request, in ms.
   * @default 10_000
   */
  timeout?: number | undefined;
}

const DEFAULT_TIMEOUT = 10_000;

/**
 * Revokes a token (RFC 7009): one POST to the revocation endpoint, through the same transport as
 * token requests. Any 2xx without an OAuth error body is success — also for a token the server
 * did not know (RFC 7009 §2.2). Not retried: call it again on a transient error if it matters.
 *
 * @throws {TypeError} `revocationUrl` is not an absolute https URL (http only on loopback or with `allowInsecureHttp`).
 * @throws {OAuthError} the server refused, e.g. `unsupported_token_type` or `invalid_client`.
 * @throws {HttpError | RateLimitError | NetworkError | TimeoutError} the server or the network failed (transient: see `isTransient`).
 * @throws {MalformedResponseError} an answer over 1 MiB (`too_large`), whatever its status, or a 2xx whose body broke off (`incomplete`).
 * @throws {AbortError} `signal` aborted (or its reason, when that is a Tessera error).
 */
export async function revokeToken(options: RevokeTokenOptions): Promise<void> {
  const url = parseEndpointUrl(
    options.revocationUrl,
    'revokeToken: revocationUrl',
    options.allowInsecureHttp,
  );
  if (typeof options.token !== 'string' || options.token === '') {
    throw new TypeError('revokeToken: token must be the non-empty token to revoke');
  }
  const form = new URLSearchParams({ token: options.token });
  if (options.tokenTypeHint !== undefined) form.set('token_type_hint', options.tokenTypeHint);
  const headers: Record<string, string> = {
    'Content-Type': 'application/x-www-form-urlencoded',
    Accept: 'application/json',
  };
  const basic = authenticateClient(options, form, headers);
  const redact = redactor([options.token, options.clientSecret, ...queryKeys(url)], basic);
  const label = 'Revocation request';
  const response = await exchange({
    method: 'POST',
    url,
    headers,
    body: form.toString(),
    fetch: options.fetch,
    signal: options.signal,
    timeout: options.timeout ?? DEFAULT_TIMEOUT,
    redact,
    label,
  });
  const failure = failureOf(response, redact, label);
  if (failure) throw failure;
}
