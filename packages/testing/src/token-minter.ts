import type { IssuedTokenResponse } from './issued-token-response.js';
import { randomToken } from './random-token.js';
import type { SigningKey } from './signing-key.js';
import type { TokenFamily, TokenRegistry } from './token-registry.js';

/** What a `TokenMinter` needs from its server. */
export interface MinterContext {
  readonly issuer: string;
  readonly key: SigningKey;
  readonly registry: TokenRegistry;
  readonly clock: () => number;
  /** ms */
  readonly accessTokenLifetime: number;
  /** ms */
  readonly refreshTokenLifetime: number;
  /**
   * Where the server records every credential it issues (tokens, refresh tokens, ID tokens, codes) or
   * was given (client secrets, passwords): `knownSecrets`, shared by every server. Logs and messages hide a
   * query value or path segment equal to one. Kept across `reset()`: a token issued before it may still be sent.
   */
  readonly secrets: Set<string>;
}

/** What one token response grants. */
export interface Grant {
  readonly family: TokenFamily;
  readonly scope: string;
  readonly audience: string | readonly string[];
  readonly withRefreshToken: boolean;
  /** The DPoP key thumbprint of the request's proof: the access token is bound to it (`cnf.jkt`). */
  readonly jkt?: string | undefined;
  /** Binds the refresh token to `jkt` too (a public client's, as oidc-provider does). */
  readonly bindRefreshToken?: boolean;
  /**
   * Epoch ms the refresh token expires at: a rotated one's predecessor's (absolute lifetime).
   * @default now + `refreshTokenLifetime`
   */
  readonly refreshTokenExpiresAt?: number | undefined;
}

/** Signs access tokens, creates refresh tokens and records both in the registry. */
export async function mintTokens(context: MinterContext, grant: Grant): Promise<IssuedTokenResponse> {
  const now = context.clock();
  const iat = Math.floor(now / 1000);
  const exp = Math.floor((now + context.accessTokenLifetime) / 1000);
  const jti = randomToken(16);
  const accessToken = await context.key.sign({
    iss: context.issuer,
    sub: grant.family.subject,
    aud: typeof grant.audience === 'string' ? grant.audience : [...grant.audience],
    iat,
    exp,
    jti,
    client_id: grant.family.clientId,
    scope: grant.scope,
    ...(grant.jkt === undefined ? {} : { cnf: { jkt: grant.jkt } }),
  });
  context.registry.addAccessToken(jti, grant.family, grant.jkt);
  context.secrets.add(accessToken);
  // Never longer than the JWT says, so a client that trusts expires_in is never surprised by a 401.
  const response: IssuedTokenResponse = {
    access_token: accessToken,
    token_type: grant.jkt === undefined ? 'Bearer' : 'DPoP',
    expires_in: Math.max(0, Math.floor((exp * 1000 - now) / 1000)),
  };
  if (grant.withRefreshToken) {
    const refreshToken = randomToken(32);
    const jkt = grant.bindRefreshToken ? grant.jkt : undefined;
    const expiresAt = grant.refreshTokenExpiresAt ?? now + context.refreshTokenLifetime;
    context.registry.addRefreshToken(refreshToken, grant.family, expiresAt, jkt);
    context.secrets.add(refreshToken);
    response.refresh_token = refreshToken;
  }
  if (grant.scope !== '') response.scope = grant.scope;
  return response;
}

/** Starts a token family (a sign-in or a client-credentials grant) and mints its first tokens. */
export function mintNewFamily(
  context: MinterContext,
  fields: Omit<TokenFamily, 'revoked'> & { readonly withRefreshToken: boolean },
  binding: Pick<Grant, 'jkt' | 'bindRefreshToken'> = {},
): Promise<IssuedTokenResponse> {
  const { withRefreshToken, ...familyFields } = fields;
  const family = context.registry.createFamily(familyFields);
  const { scope, audience } = fields;
  return mintTokens(context, { family, scope, audience, withRefreshToken, ...binding });
}
