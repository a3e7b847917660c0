import { HttpResponse } from 'msw';
import type { TestClient } from './auth-server-options.js';
import { authenticateClient } from './client-authentication.js';
import { DPoPProofError, verifyProof } from './dpop-proof.js';
import { rejectRepeatedParameters, requiredParameter, requireForm } from './form-body.js';
import { assertScopeSyntax } from './requested-target.js';
import type { ServerContext } from './server-context.js';
import { TokenEndpointError } from './token-endpoint-error.js';
import { allowedGrants, type TokenBinding, tokenGrants } from './token-grants.js';

/** RFC 6749 §5.1: token responses must not be cached. */
export const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;

/** How one token request ended, for the response and the log. */
export interface TokenOutcome {
  response: Response;
  status: number;
  error?: string;
}

/** Answers one token request (RFC 6749 §3.2) from its already-read form body. */
export async function answerTokenRequest(
  context: ServerContext,
  request: Request,
  form: URLSearchParams | undefined | null,
): Promise<TokenOutcome> {
  try {
    // oidc-provider 9's order: the client first, then `grant_type` (repeated, missing, unsupported,
    // not allowed), then the repeated parameters of that grant (others are ignored, as there).
    requireForm(form);
    const client = authenticateClient(request, form, context.clients, context.issuer);
    rejectRepeatedParameters(form, ['grant_type']);
    const grantType = requiredParameter(form, 'grant_type');
    const grant = Object.hasOwn(tokenGrants, grantType) ? tokenGrants[grantType] : undefined;
    if (grant === undefined) {
      throw new TokenEndpointError(400, 'unsupported_grant_type', `grant_type ${grantType} is not supported`);
    }
    // oidc-provider 9 answers `invalid_request` here (RFC 6749 §5.2 would allow `unauthorized_client`).
    if (!allowedGrants(client).includes(grantType)) {
      throw new TokenEndpointError(
        400,
        'invalid_request',
        'requested grant type is not allowed for this client',
      );
    }
    rejectRepeatedParameters(form, grant.parameters);
    if (grant.parameters.includes('scope')) assertScopeSyntax(form);
    const { binding, headers } = await dpopBinding(context, request, client);
    const body = await grant.answer(context, client, form, binding).catch((error: unknown) => {
      // The nonce goes with every answer to a proof without the current one, errors too (oidc-provider).
      if (!(error instanceof TokenEndpointError) || !headers['DPoP-Nonce']) throw error;
      throw new TokenEndpointError(error.status, error.error, error.message, {
        ...error.headers,
        ...headers,
      });
    });
    return {
      response: HttpResponse.json(body, { status: 200, headers: { ...NO_STORE, ...headers } }),
      status: 200,
    };
  } catch (error) {
    if (!(error instanceof TokenEndpointError)) throw error;
    const body = { error: error.error, error_description: error.message };
    const headers = { ...NO_STORE, ...error.headers };
    return {
      response: HttpResponse.json(body, { status: error.status, headers }),
      status: error.status,
      error: error.error,
    };
  }
}

/**
 * The DPoP side of a token request, as oidc-provider 9 does it: the proof is checked after client
 * authentication and before the grant (`400 invalid_dpop_proof`, `400 use_dpop_nonce` with
 * `DPoP-Nonce`); a client with `dpopBoundAccessTokens` must send one, and a replayed proof (same
 * client, same `jti`) is `invalid_grant`. A public client's refresh token is bound to the key too.
 * The `DPoP-Nonce` to send back comes in `headers`. Without the server's `dpop` option: no binding.
 */
async function dpopBinding(
  context: ServerContext,
  request: Request,
  client: TestClient,
): Promise<{ binding: TokenBinding; headers: Record<string, string> }> {
  const dpop = context.dpop;
  const proof = request.headers.get('dpop');
  if (dpop === undefined) return { binding: {}, headers: {} };
  if (proof === null) {
    if (client.dpopBoundAccessTokens) {
      throw new TokenEndpointError(400, 'invalid_grant', 'DPoP proof JWT not provided');
    }
    return { binding: {}, headers: {} };
  }
  let verified: Awaited<ReturnType<typeof verifyProof>>;
  try {
    verified = await verifyProof(proof, {
      method: request.method,
      url: context.tokenUrl,
      now: context.clock(),
      nonce: dpop.nonce('token'),
      requireNonce: dpop.requireNonce,
    });
  } catch (error) {
    if (!(error instanceof DPoPProofError)) throw error;
    const headers: Record<string, string> = error.nonce === undefined ? {} : { 'DPoP-Nonce': error.nonce };
    throw new TokenEndpointError(400, error.error, error.message, headers);
  }
  const headers: Record<string, string> =
    verified.nextNonce === undefined ? {} : { 'DPoP-Nonce': verified.nextNonce };
  if (!dpop.firstUse(client.clientId, verified.jti)) {
    throw new TokenEndpointError(400, 'invalid_grant', 'DPoP proof JWT Replay detected', headers);
  }
  return { binding: { jkt: verified.jkt, bindRefreshToken: client.clientSecret === undefined }, headers };
}
