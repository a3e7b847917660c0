import { type Clock, systemClock } from '../clock.js';
import { parseEndpointUrl } from '../endpoint-url.js';
import type { ClientAuthMethod, EndpointRequestOptions, TokenRequestParams } from '../token-endpoint.js';
import { requestToken } from '../token-endpoint.js';
import { type TokenSet, toTokenSet } from '../token-set.js';

/** The client side of `passwordGrant`. */
export interface PasswordGrantOptions extends EndpointRequestOptions {
  /** The token endpoint. */
  tokenUrl: string | URL;
  /** The `client_id`. */
  clientId: string;
  /** The client secret; omit for public clients. @default undefined */
  clientSecret?: string;
  /** @default 'client_secret_basic' with a `clientSecret`, else 'none' */
  authMethod?: ClientAuthMethod;
  /** Space-separated scopes, e.g. `'openid offline_access'`. @default undefined */
  scope?: string;
  /** Further form parameters; a `scope` here is sent unless the `scope` option is given. @default {} */
  params?: TokenRequestParams;
  /** Aborts the sign-in. @default undefined */
  signal?: AbortSignal;
  /**
   * Timeout of the token request, in ms, body included: a hung endpoint or a body that drips for ever
   * then rejects with `TimeoutError` instead of holding the sign-in.
   * @default 10_000
   */
  timeout?: number;
  /**
   * The time, in epoch ms: `expiresAt` is measured from when the request was sent. Pass the one your
   * `TokenManager` uses.
   * @default Date.now
   */
  clock?: Clock;
  /**
   * The `token_type`s accepted, as in `TokenManager`: pass `['DPoP']` when the request goes through
   * `dpop.fetch` (a `Bearer` answer is then a `MalformedResponseError`, never a downgrade).
   * @default ['Bearer']
   */
  tokenTypes?: readonly string[];
}

/**
 * Signs a user in once with the resource owner password credentials grant (RFC 6749 §4.3) and
 * resolves the token set to pass to `tokens.setTokens(...)`.
 *
 * For first-party apps only. OAuth 2.1 drops this grant: prefer the authorization-code flow with
 * PKCE when your server supports it, and hand its token response to `setTokens` the same way.
 *
 * @throws {TypeError} `tokenUrl` is not an absolute https URL (see `allowInsecureHttp`).
 * @throws {OAuthError} e.g. `invalid_grant` for a wrong username or password.
 * @throws {TimeoutError} no whole answer within `timeout`.
 */
export async function passwordGrant(
  options: PasswordGrantOptions,
  credentials: { username: string; password: string },
): Promise<TokenSet> {
  parseEndpointUrl(options.tokenUrl, 'passwordGrant: tokenUrl', options.allowInsecureHttp);
  const sentAt = (options.clock ?? systemClock)();
  const response = await requestToken({
    ...options,
    grantType: 'password',
    timeout: options.timeout ?? 10_000,
    params: {
      ...options.params,
      scope: options.scope ?? options.params?.scope,
      username: credentials.username,
      password: credentials.password,
    },
  });
  return toTokenSet(response, sentAt, 'passwordGrant', options.tokenTypes);
}
