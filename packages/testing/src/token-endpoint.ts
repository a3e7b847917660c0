import { HttpResponse } from 'msw';
import { authenticateClient } from './client-authentication.js';
import { rejectRepeatedParameters, requiredParameter, requireForm } from './form-body.js';
import type { ServerContext } from './server-context.js';
import { TokenEndpointError } from './token-endpoint-error.js';
import { allowedGrants, grantHandlers } from './token-grants.js';

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
  form: URLSearchParams | undefined,
): Promise<TokenOutcome> {
  try {
    requireForm(form);
    const grantType = requiredParameter(form, 'grant_type');
    const client = authenticateClient(request, form, context.clients, context.issuer);
    rejectRepeatedParameters(form);
    const grant = Object.hasOwn(grantHandlers, grantType) ? grantHandlers[grantType] : undefined;
    if (grant === undefined) {
      throw new TokenEndpointError(400, 'unsupported_grant_type', `grant_type ${grantType} is not supported`);
    }
    if (!allowedGrants(client).includes(grantType)) {
      throw new TokenEndpointError(400, 'unauthorized_client', `This client may not use ${grantType}`);
    }
    const body = await grant(context, client, form);
    return { response: HttpResponse.json(body, { status: 200, headers: NO_STORE }), status: 200 };
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
