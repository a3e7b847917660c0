import type { ServerContext } from './server-context.js';

/** Who an ID token is about, and for which sign-in. */
export interface IdTokenSubject {
  readonly subject: string;
  readonly clientId: string;
  /** Epoch ms of the sign-in, for `auth_time`. */
  readonly authTime: number;
  /** The authorization request's `nonce`; none on a refresh. */
  readonly nonce?: string | undefined;
}

/**
 * An OpenID Connect ID token (Core §2) signed with the server's key, `iat` now and `exp` after
 * `accessTokenLifetime`. On a refresh (Core §12.2) the same `sub`, `aud` and `auth_time`, no `nonce`.
 */
export async function signIdToken(context: ServerContext, of: IdTokenSubject): Promise<string> {
  const now = context.clock();
  const idToken = await context.key.sign(
    {
      iss: context.issuer,
      sub: of.subject,
      aud: of.clientId,
      iat: Math.floor(now / 1000),
      exp: Math.floor((now + context.accessTokenLifetime) / 1000),
      auth_time: Math.floor(of.authTime / 1000),
      ...(of.nonce === undefined ? {} : { nonce: of.nonce }),
    },
    'JWT',
  );
  context.secrets.add(idToken);
  return idToken;
}
