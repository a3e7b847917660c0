import type { TestClient } from './auth-server-options.js';
import { authorizationCode } from './authorization-code-grant.js';
import { requiredParameter } from './form-body.js';
import { signIdToken } from './id-token.js';
import type { IssuedTokenResponse } from './issued-token-response.js';
import { requestedAudience, requestedScope, splitScope, withinAudience } from './requested-target.js';
import type { ServerContext } from './server-context.js';
import { TokenEndpointError } from './token-endpoint-error.js';
import { type Grant, mintNewFamily, mintTokens } from './token-minter.js';

/** The key the request's DPoP proof binds its tokens to, if any (`token-endpoint.ts` decides). */
export type TokenBinding = Pick<Grant, 'jkt' | 'bindRefreshToken'>;

/** A grant: answers one authenticated token request or throws `TokenEndpointError`. */
type GrantHandler = (
  context: ServerContext,
  client: TestClient,
  form: URLSearchParams,
  binding: TokenBinding,
) => Promise<IssuedTokenResponse>;

const invalidGrant = (description: string): TokenEndpointError =>
  new TokenEndpointError(400, 'invalid_grant', description);

/** RFC 6749 §4.4: a token for the client itself; no refresh token. */
const clientCredentials: GrantHandler = (context, client, form, binding) => {
  const scope = requestedScope(form);
  const audience = requestedAudience(form, context.resources) ?? context.audience;
  return mintNewFamily(
    context,
    {
      subject: client.clientId,
      clientId: client.clientId,
      scope,
      audience,
      withRefreshToken: false,
    },
    binding,
  );
};

/** RFC 6749 §4.3: a user's tokens, with a refresh token. */
const password: GrantHandler = (context, client, form, binding) => {
  const username = form.get('username');
  const secret = form.get('password');
  if (username === null || secret === null) {
    throw new TokenEndpointError(400, 'invalid_request', 'username and password are required');
  }
  const user = context.users.find((candidate) => candidate.username === username);
  if (user === undefined || user.password !== secret) throw invalidGrant('Wrong username or password');
  const scope = requestedScope(form);
  const audience = requestedAudience(form, context.resources) ?? context.audience;
  return mintNewFamily(
    context,
    {
      subject: user.username,
      clientId: client.clientId,
      scope,
      audience,
      withRefreshToken: true,
    },
    binding,
  );
};

/** RFC 6749 §6 with rotation and reuse detection (OAuth 2.0 Security BCP §4.14.2). */
const refreshToken: GrantHandler = async (context, client, form, binding) => {
  const value = requiredParameter(form, 'refresh_token');
  const record = context.registry.findRefreshToken(value);
  if (record === undefined) throw invalidGrant('Unknown refresh token');
  const { family } = record;
  if (family.clientId !== client.clientId)
    throw invalidGrant('The refresh token was issued to another client');
  // oidc-provider's order: expiry and scope come before reuse detection, so an expired or
  // over-asking rotated-out token is refused without ending the session; `resource` comes after
  // rotation, so a refresh refused with invalid_target has spent its refresh token.
  if (context.clock() >= record.expiresAt) throw invalidGrant('The refresh token expired');
  if (family.revoked || record.revoked) throw invalidGrant('The refresh token was revoked');
  // An empty `scope` is no `scope` (RFC 6749 §6 "if omitted", and oidc-provider treats it so).
  const scope = form.get('scope') ? requestedScope(form) : family.scope;
  const granted = new Set(splitScope(family.scope));
  if (!splitScope(scope).every((item) => granted.has(item))) {
    throw new TokenEndpointError(400, 'invalid_scope', 'The requested scope exceeds the granted scope');
  }
  // oidc-provider checks the key before reuse: a thief without the key never ends the session.
  if (record.jkt !== undefined && record.jkt !== binding.jkt) throw invalidGrant('failed jkt verification');
  if (record.rotated) {
    family.revoked = true;
    throw invalidGrant('The refresh token was already used; every token of this sign-in is revoked');
  }
  if (context.rotateRefreshTokens) record.rotated = true;
  const audience = requestedAudience(form) ?? family.audience;
  if (!withinAudience(audience, family.audience)) {
    throw new TokenEndpointError(400, 'invalid_target', 'The requested resource was not granted at sign-in');
  }
  const response = await mintTokens(context, {
    family,
    scope,
    audience,
    withRefreshToken: context.rotateRefreshTokens,
    // Like oidc-provider: the session ends at its sign-in's lifetime however often it refreshes.
    refreshTokenExpiresAt: context.slidingRefreshTokenLifetime ? undefined : record.expiresAt,
    ...binding,
  });
  // OpenID Connect Core §12.2: a new ID token for the same user, client and sign-in, without a nonce.
  if (family.authTime !== undefined && splitScope(scope).includes('openid')) {
    response.id_token = await signIdToken(context, { ...family, authTime: family.authTime });
  }
  return response;
};

/** A grant the server supports: how it answers, and the form parameters it reads. */
interface TokenGrant {
  answer: GrantHandler;
  /**
   * Every parameter `answer` reads besides `grant_type` and client authentication. Like oidc-provider,
   * only these are checked for repeats; the grant ignores the others (`code` twice on a refresh is fine).
   */
  parameters: readonly string[];
}

/** `scope` and the requested audience (RFC 8707 `resource`, or `audience`). */
const TARGET = ['scope', 'resource', 'audience'] as const;

/** The grants the server supports, by `grant_type`. */
export const tokenGrants: Readonly<Record<string, TokenGrant>> = {
  authorization_code: {
    answer: authorizationCode,
    parameters: ['code', 'code_verifier', 'redirect_uri', 'resource'],
  },
  client_credentials: { answer: clientCredentials, parameters: TARGET },
  password: { answer: password, parameters: ['username', 'password', ...TARGET] },
  refresh_token: { answer: refreshToken, parameters: ['refresh_token', ...TARGET] },
};

/** Grants a client may use unless it lists its own. */
export function allowedGrants(client: TestClient): readonly string[] {
  if (client.grantTypes) return client.grantTypes;
  const userGrants = ['authorization_code', 'password', 'refresh_token'];
  return client.clientSecret === undefined ? userGrants : [...userGrants, 'client_credentials'];
}
