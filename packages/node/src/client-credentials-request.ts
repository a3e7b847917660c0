import {
  type CanonicalTarget,
  type FetchTokens,
  type FetchTokensContext,
  requestToken,
  type TokenRequestParams,
  type TokenResponse,
} from '@tessera/core';
import { JWT_BEARER_ASSERTION, signClientAssertion } from './client-assertion.js';
import { oneTimeBody } from './one-time-body.js';
import type { ClientConfig } from './resolve-options.js';
import type { TokenEndpointResolver } from './token-endpoint-resolver.js';

/**
 * The `fetchTokens` of one target: a client-credentials token request (RFC 6749 §4.4) to the
 * client's token endpoint, authenticated by secret or by a client assertion signed for this attempt.
 */
export function clientCredentialsRequest(
  config: ClientConfig,
  endpoint: TokenEndpointResolver,
  target: CanonicalTarget,
): FetchTokens {
  const params: TokenRequestParams = {
    ...config.extraParams,
    scope: target.scope,
    audience: target.audience,
    resource: target.resource,
  };
  const { auth, clientId, fetch, allowInsecureHttp } = config;
  // RFC 6749 §5.1: an answer without `scope` granted the scope requested; `getTokens().scope` says so.
  // (`scope: undefined` when the target has none: read as absent.)
  return async (context) => ({ scope: target.scope, ...(await send(context)) }) as TokenResponse;
  async function send({ signal }: FetchTokensContext) {
    const tokenUrl = await endpoint.resolve();
    const request = { tokenUrl, grantType: 'client_credentials', clientId, signal, fetch, allowInsecureHttp };
    if (auth.method === 'client_secret_basic' || auth.method === 'client_secret_post') {
      return requestToken({ ...request, clientSecret: auth.clientSecret, authMethod: auth.method, params });
    }
    // RFC 8705 mTLS: the certificate `fetch` presents is the credential; `client_id` in the body, no secret.
    if (auth.method !== 'private_key_jwt') return requestToken({ ...request, authMethod: 'none', params });
    const assertion = () =>
      signClientAssertion(auth.signingKey, {
        clientId,
        // The URL the request goes to, as `URL` serialises it: servers compare `aud` with their own token
        // endpoint as a string, so `HTTPS://Auth.example.com/./token` or an IDN host as written would fail.
        audience: auth.assertionAudience ?? new URL(tokenUrl).href,
        now: config.clock(),
      });
    // A new assertion (new jti, iat, exp) for every send: core calls fetchTokens once per attempt, and
    // a decorator's resend inside one attempt (DPoP's nonce and clock retries) gets one through
    // `resendBody` (decision 1210).
    return requestToken({
      ...request,
      fetch: oneTimeBody(fetch, assertion),
      authMethod: 'none',
      params: { ...params, client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: await assertion() },
    });
  }
}
