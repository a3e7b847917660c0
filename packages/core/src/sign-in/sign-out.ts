import type { AuthorizationServerMetadata } from '../discovery/authorization-server-metadata.js';
import type { TesseraError } from '../errors/tessera-error.js';
import type { FetchLike } from '../fetch-like.js';
import { revokeToken } from '../revoke-token.js';
import type { TokenManager } from '../token-manager.js';
import { asTesseraError } from './as-tessera-error.js';
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
}

/**
 * Revokes the refresh token (RFC 7009), builds the RP-initiated logout URL from the ID token read
 * before anything is cleared, clears the session (every tab with `crossTab()`), then navigates.
 * Revocation and discovery failures become `warnings`; the session is cleared in every case.
 */
export async function signOut(context: SignOutContext, options: SignOutOptions): Promise<SignOutResult> {
  const { clientId, tokens } = context;
  const current = await tokens?.ready().catch(() => undefined);
  const warnings: TesseraError[] = [];
  let revoked = false;
  let logoutUrl: URL | undefined;
  try {
    const server = await context.discovered();
    const refreshToken = current?.refreshToken;
    if (options.revoke !== false && refreshToken && server.revocation_endpoint) {
      try {
        await revokeToken({
          ...context.transport,
          revocationUrl: server.revocation_endpoint,
          token: refreshToken,
          tokenTypeHint: 'refresh_token',
          clientId,
        });
        revoked = true;
      } catch (error) {
        warnings.push(asTesseraError(error));
      }
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
  await tokens?.clear();
  if (logoutUrl && options.navigate !== false) context.navigate(logoutUrl.href);
  return { revoked, warnings, logoutUrl };
}
