import { parseEndpointUrl } from '../endpoint-url.js';
import type { ClientAuthMethod, EndpointRequestOptions, TokenRequestParams } from '../token-endpoint.js';
import { requestToken } from '../token-endpoint.js';
import type { FetchTokens } from '../token-manager-options.js';

/** Options of `clientCredentialsGrant`. */
export interface ClientCredentialsGrantOptions extends EndpointRequestOptions {
  /** The token endpoint. */
  tokenUrl: string | URL;
  /** The `client_id`. */
  clientId: string;
  /** The client secret. */
  clientSecret: string;
  /**
   * How the client authenticates.
   * @default 'client_secret_basic'
   */
  authMethod?: Exclude<ClientAuthMethod, 'none'>;
  /** Space-separated scopes. @default undefined */
  scope?: string;
  /** The `audience` parameter (Auth0 and others). @default undefined */
  audience?: string;
  /** RFC 8707 resource indicator(s). @default undefined */
  resource?: string | readonly string[];
  /** Further form parameters; `scope`, `audience` and `resource` here are sent unless the option of that name is given. @default {} */
  params?: TokenRequestParams;
}

/**
 * A `fetchTokens` for the client-credentials grant (RFC 6749 §4.4), for services calling services.
 *
 * @throws {TypeError} `tokenUrl` is not an absolute https URL (see `allowInsecureHttp`).
 */
export function clientCredentialsGrant(options: ClientCredentialsGrantOptions): FetchTokens {
  parseEndpointUrl(options.tokenUrl, 'clientCredentialsGrant: tokenUrl', options.allowInsecureHttp);
  // A dedicated option wins when given; otherwise what `params` says is sent.
  const { params: extra, scope, audience, resource } = options;
  const params: TokenRequestParams = {
    ...extra,
    scope: scope ?? extra?.scope,
    audience: audience ?? extra?.audience,
    resource: resource ?? extra?.resource,
  };
  return ({ signal, senderConstraint }) =>
    requestToken({
      ...options,
      fetch: senderConstraint?.wrapFetch?.(options.fetch) ?? options.fetch,
      grantType: 'client_credentials',
      authMethod: options.authMethod ?? 'client_secret_basic',
      params,
      signal,
    });
}
