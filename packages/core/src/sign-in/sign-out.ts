import type { AuthorizationServerMetadata } from '../discovery/authorization-server-metadata.js';
import type { TesseraError } from '../errors/tessera-error.js';
import type { FetchLike } from '../fetch-like.js';
import type { TokenManager } from '../token-manager.js';
import type { TokenResponse } from '../token-set.js';
import { asTesseraError } from './as-tessera-error.js';
import { revokeTokens, type TokenToRevoke } from './revoke-tokens.js';
import type { SignOutOptions } from './sign-in-options.js';
import type { SignOutResult } from './sign-in-result.js';

/** What `signOut` needs from its `createSignIn`. */
export interface SignOutContext {
  clientId: string;
  tokens: TokenManager | undefined;
  discovered: () => Promise<AuthorizationServerMetadata>;
  transport: { fetch?: FetchLike | undefined; timeout: number };
  navigate: (url: string) => void;
  postLogoutRedirectUri: string | undefined;
  /** The answer of the latest refresh request, if any. */
  lastRefresh: Promise<TokenResponse> | undefined;
  /** Without `tokens`: the session this instance signed in (and refreshed) last, revoked and hinted instead. */
  own: { refreshToken?: string | undefined; idToken?: string | undefined };
}

/**
 * Clears the session (every tab with `crossTab()`) at once, so no caller gets or refreshes a token
 * from it any more; revokes (RFC 7009) its refresh token and the one a refresh in flight brings,
 * once that refresh has settled (within the manager's `timeout`), all within one `timeout`; builds the RP-initiated logout
 * URL from the ID token read before clearing, then navigates. Revocation and discovery failures
 * become `warnings`.
 */
export async function signOut(context: SignOutContext, options: SignOutOptions): Promise<SignOutResult> {
  const { clientId, tokens } = context;
  // Cleared in the call itself once loaded: from then on callers get `LoginRequiredError`, and a
  // refresh in flight is discarded by the manager.
  if (!tokens?.peekTokens()) await tokens?.ready().catch(() => undefined);
  const current = tokens ? tokens.peekTokens() : context.own;
  const cleared = tokens?.clear();
  const warnings: TesseraError[] = [];
  let revoked = false;
  let logoutUrl: URL | undefined;
  try {
    const server = await context.discovered();
    if (options.revoke !== false && server.revocation_endpoint) {
      // Newest first: a refresh in flight may have rotated the refresh token this session holds.
      const answer = await context.lastRefresh?.catch(() => undefined);
      const refreshTokens = new Set([answer?.refresh_token, current?.refreshToken]);
      revoked = await revokeTokens(
        { clientId, transport: context.transport, revocationUrl: server.revocation_endpoint },
        [...refreshTokens].map((token): TokenToRevoke => [token, 'refresh_token']),
        warnings,
      );
    }
    if (options.endSession !== false && server.end_session_endpoint) {
      logoutUrl = new URL(server.end_session_endpoint);
      const postLogout = options.postLogoutRedirectUri ?? context.postLogoutRedirectUri;
      if (current?.idToken) logoutUrl.searchParams.set('id_token_hint', current.idToken);
      logoutUrl.searchParams.set('client_id', clientId);
      if (postLogout) logoutUrl.searchParams.set('post_logout_redirect_uri', postLogout);
    }
  } catch (error) {
    warnings.push(asTesseraError(error));
  }
  await cleared;
  if (logoutUrl && options.navigate !== false) context.navigate(logoutUrl.href);
  return { revoked, warnings, logoutUrl };
}
