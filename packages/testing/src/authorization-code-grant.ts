import type { TestClient } from './auth-server-options.js';
import { sha256Base64url } from './base64url.js';
import { requiredParameter } from './form-body.js';
import { signIdToken } from './id-token.js';
import type { IssuedTokenResponse } from './issued-token-response.js';
import { requestedAudience, splitScope, withinAudience } from './requested-target.js';
import type { ServerContext } from './server-context.js';
import { TokenEndpointError } from './token-endpoint-error.js';
import type { TokenBinding } from './token-grants.js';
import { mintTokens } from './token-minter.js';

const invalidGrant = (description: string): TokenEndpointError =>
  new TokenEndpointError(400, 'invalid_grant', description);

/**
 * RFC 6749 §4.1.3 with PKCE (RFC 7636, S256 only), checked in oidc-provider's order: a wrong or
 * missing `code_verifier` and a `redirect_uri` mismatch leave the code usable; a `resource` not granted
 * at sign-in spends it (`invalid_target`); a second use of a spent code revokes every token issued
 * from it (RFC 6749 §4.1.2). An ID token comes with `openid`,
 * and again with each refresh of that sign-in (`refresh_token` grant).
 */
export async function authorizationCode(
  context: ServerContext,
  client: TestClient,
  form: URLSearchParams,
  binding: TokenBinding,
): Promise<IssuedTokenResponse> {
  const code = requiredParameter(form, 'code');
  const redirectUri = requiredParameter(form, 'redirect_uri');
  const record = context.codes.find(code);
  if (record === undefined) throw invalidGrant('Unknown authorization code');
  if (record.clientId !== client.clientId) {
    throw invalidGrant('The authorization code was issued to another client');
  }
  if (context.clock() >= record.expiresAt) throw invalidGrant('The authorization code expired');
  const verifier = form.get('code_verifier') ?? '';
  if (verifier !== '' && !PKCE_VERIFIER.test(verifier)) {
    // oidc-provider checks the format first and answers invalid_request, leaving the code usable.
    throw new TokenEndpointError(
      400,
      'invalid_request',
      'code_verifier must be 43–128 unreserved characters',
    );
  }
  if ((await s256(verifier)) !== record.codeChallenge) {
    throw invalidGrant('PKCE verification failed: the code_verifier does not match the code_challenge');
  }
  if (record.redirectUri !== redirectUri) {
    throw invalidGrant('redirect_uri does not match the one of the authorization request');
  }
  // From here to marking the code used nothing awaits: of two exchanges at once, one wins.
  if (record.used) {
    if (record.family) record.family.revoked = true;
    throw invalidGrant('The authorization code was already used; the tokens issued for it are revoked');
  }
  record.used = true;
  // Like oidc-provider, `resource` (RFC 8707) is resolved after the code is spent: a code exchanged
  // for a resource not granted at sign-in is refused with invalid_target and cannot be used again.
  const audience = form.has('resource') ? (requestedAudience(form) ?? record.audience) : record.audience;
  if (!withinAudience(audience, record.audience)) {
    throw new TokenEndpointError(400, 'invalid_target', 'The requested resource was not granted at sign-in');
  }
  const openid = splitScope(record.scope).includes('openid');
  const family = context.registry.createFamily({
    subject: record.subject,
    clientId: record.clientId,
    scope: record.scope,
    audience: record.audience,
    ...(openid ? { authTime: record.authTime } : {}),
  });
  record.family = family;
  const response = await mintTokens(context, {
    family,
    scope: record.scope,
    audience,
    withRefreshToken: true,
    ...binding,
  });
  if (openid) response.id_token = await signIdToken(context, record);
  return response;
}

/** RFC 7636 §4.1: 43–128 unreserved characters. */
const PKCE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

/** BASE64URL(SHA-256(ASCII(verifier))) (RFC 7636 §4.2); '' for a verifier that is not well-formed (or none). */
async function s256(verifier: string): Promise<string> {
  return PKCE_VERIFIER.test(verifier) ? sha256Base64url(verifier) : '';
}
