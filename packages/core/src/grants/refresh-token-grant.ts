import { parseEndpointUrl } from '../endpoint-url.js';
import { LoginRequiredError } from '../errors/login-required-error.js';
import type { ClientAuthMethod, EndpointRequestOptions, TokenRequestParams } from '../token-endpoint.js';
import { requestToken } from '../token-endpoint.js';
import type { FetchTokens } from '../token-manager-options.js';

/** Options of `refreshTokenGrant`. */
export interface RefreshTokenGrantOptions extends EndpointRequestOptions {
  /** The token endpoint. */
  tokenUrl: string | URL;
  /** The `client_id`. */
  clientId: string;
  /**
   * The client secret; omit for public clients (browser apps).
   * @default undefined (a public client: `client_id` in the body, no client authentication)
   */
  clientSecret?: string;
  /**
   * How the client authenticates.
   * @default 'client_secret_basic' with a `clientSecret`, else 'none'
   */
  authMethod?: ClientAuthMethod;
  /** Further form parameters, e.g. `{ scope: 'openid offline_access' }`. @default {} */
  params?: TokenRequestParams;
}

/**
 * A `fetchTokens` that exchanges the refresh token the manager hands it (RFC 6749 §6).
 * Without a refresh token it rejects with `LoginRequiredError`.
 *
 * @throws {TypeError} `tokenUrl` is not an absolute https URL (see `allowInsecureHttp`).
 */
export function refreshTokenGrant(options: RefreshTokenGrantOptions): FetchTokens {
  parseEndpointUrl(options.tokenUrl, 'refreshTokenGrant: tokenUrl', options.allowInsecureHttp);
  return ({ refreshToken, signal, senderConstraint }) => {
    if (!refreshToken) return Promise.reject(new LoginRequiredError());
    return requestToken({
      ...options,
      fetch: senderConstraint?.wrapFetch?.(options.fetch) ?? options.fetch,
      grantType: 'refresh_token',
      params: { ...options.params, refresh_token: refreshToken },
      signal,
    });
  };
}
