import type { TesseraError } from '../errors/tessera-error.js';
import { TimeoutError } from '../errors/timeout-error.js';
import type { FetchLike } from '../fetch-like.js';
import { startTimer } from '../internal/timer.js';
import { revokeToken } from '../revoke-token.js';
import { optionalString } from '../token-set.js';
import { asTesseraError } from './as-tessera-error.js';

/**
 * A token to revoke, with its `token_type_hint`; skipped when the token is missing, empty or not a
 * string (a server's `refresh_token: false` is no token, decision 0013).
 */
export type TokenToRevoke = [token: string | undefined, hint: 'refresh_token' | 'access_token'];

/** What `revokeTokens` needs: the sign-in's client, transport and the server's revocation endpoint. */
export interface RevocationContext {
  clientId: string;
  transport: { fetch?: FetchLike | undefined; timeout: number };
  revocationUrl: string;
}

/**
 * Revokes (RFC 7009) each token in turn, in the order given: the refresh token first, since revoking
 * it usually ends its access tokens too. All of them within one `timeout`: a revocation still waiting
 * then is aborted (a `TimeoutError`) and the next ones are not sent, so two tokens never take twice
 * as long. Never rejects: each failure is pushed to `warnings`, and the next token is tried anyway.
 * Resolves to true when at least one was revoked and `warnings` is empty. The one revocation of
 * sign-in: `signOut` and a sign-in refused after its code was spent use it.
 */
export async function revokeTokens(
  context: RevocationContext,
  tokens: TokenToRevoke[],
  warnings: TesseraError[] = [],
): Promise<boolean> {
  const { timeout } = context.transport;
  // The reason is renamed after the request it cut short (`exchange`).
  const deadline = new AbortController();
  const timer = startTimer(() => deadline.abort(new TimeoutError(timeout, '')), timeout);
  let revoked = false;
  for (const [given, tokenTypeHint] of tokens) {
    const token = optionalString(given);
    if (!token || deadline.signal.aborted) continue;
    try {
      await revokeToken({
        ...context.transport,
        revocationUrl: context.revocationUrl,
        token,
        tokenTypeHint,
        clientId: context.clientId,
        signal: deadline.signal,
      });
      revoked = true;
    } catch (error) {
      warnings.push(asTesseraError(error));
    }
  }
  clearTimeout(timer);
  return revoked && !warnings.length;
}
