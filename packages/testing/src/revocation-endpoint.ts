import { HttpResponse } from 'msw';
import { authenticateClient } from './client-authentication.js';
import { rejectRepeatedParameters, requiredParameter, requireForm } from './form-body.js';
import type { ServerContext } from './server-context.js';
import { TokenEndpointError } from './token-endpoint-error.js';
import type { TokenFamily } from './token-registry.js';

/** The kinds of token the revocation endpoint revokes. */
type RevokedTokenType = 'refresh_token' | 'access_token';

/** How one revocation request ended, for the response and the log. */
export interface RevocationOutcome {
  response: Response;
  status: number;
  error?: string;
  /** What this request revoked (with its family), if anything. */
  revoked?: RevokedTokenType;
}

/** A token the server issued and may still revoke. */
interface LiveToken {
  readonly type: RevokedTokenType;
  readonly family: TokenFamily;
  /** The token's own record, revoked alone with `revokeFamily: false`. */
  readonly record: { revoked: boolean };
}

/**
 * Answers one revocation request (RFC 7009 §2) from its already-read form body, as oidc-provider does
 * by default: the client authenticates as at the token endpoint; a token the server does not know,
 * has expired or already revoked is answered 200 with an empty body (§2.2); `token_type_hint` only
 * decides which kind is looked up first. Revoking either kind revokes its whole family (with
 * `revokeFamily: false`, that token only).
 */
export async function answerRevocationRequest(
  context: ServerContext,
  request: Request,
  form: URLSearchParams | undefined | null,
): Promise<RevocationOutcome> {
  try {
    requireForm(form);
    const client = authenticateClient(request, form, context.clients, context.issuer);
    // oidc-provider ignores parameters the endpoint does not use, repeated or not.
    rejectRepeatedParameters(form, ['token', 'token_type_hint']);
    const value = requiredParameter(form, 'token');
    const ok: RevocationOutcome = { response: new HttpResponse(null, { status: 200 }), status: 200 };
    const token = await findLiveToken(context, value, form.get('token_type_hint'));
    if (token === undefined) return ok;
    if (token.family.clientId !== client.clientId) {
      // oidc-provider's default `allowedPolicy`: a public client learns nothing about other
      // clients' tokens; a confidential one is told it may not revoke them.
      if (client.clientSecret === undefined) return ok;
      throw new TokenEndpointError(400, 'invalid_request', 'This client may not revoke the presented token');
    }
    if (context.revokeFamily) token.family.revoked = true;
    else token.record.revoked = true;
    return { ...ok, revoked: token.type };
  } catch (error) {
    if (!(error instanceof TokenEndpointError)) throw error;
    const body = { error: error.error, error_description: error.message };
    return {
      response: HttpResponse.json(body, { status: error.status, headers: error.headers }),
      status: error.status,
      error: error.error,
    };
  }
}

/**
 * The token `value` names, if it is still revocable: not expired, not already revoked. A
 * `token_type_hint` is honoured, not trusted (RFC 7009 §2.1): the other kind is looked up too.
 */
async function findLiveToken(
  context: ServerContext,
  value: string,
  hint: string | null,
): Promise<LiveToken | undefined> {
  const lookups = [findRefreshToken, findAccessToken];
  if (hint === 'access_token') lookups.reverse();
  for (const lookup of lookups) {
    const token = await lookup(context, value);
    if (token !== undefined) return token.family.revoked ? undefined : token;
  }
  return undefined;
}

/** A refresh token by value; a rotated one too (revoking it ends the family, as in oidc-provider). */
function findRefreshToken(context: ServerContext, value: string): LiveToken | undefined {
  const record = context.registry.findRefreshToken(value);
  if (record === undefined || record.revoked || context.clock() >= record.expiresAt) return undefined;
  return { type: 'refresh_token', family: record.family, record };
}

/** An access token this server signed, not expired and not revoked on its own, by its `jti`. */
async function findAccessToken(context: ServerContext, value: string): Promise<LiveToken | undefined> {
  let jti: unknown;
  try {
    ({ jti } = await context.key.verify(value, { issuer: context.issuer, now: context.clock() }));
  } catch {
    return undefined;
  }
  const record = typeof jti === 'string' ? context.registry.findAccessToken(jti) : undefined;
  // One revoked on its own (`auth.revokeToken`) is already revoked: nothing to do (§2.2).
  if (record === undefined || record.revoked) return undefined;
  return { type: 'access_token', family: record.family, record };
}
