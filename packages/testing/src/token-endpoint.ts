import { HttpResponse } from 'msw';
import { authenticateClient } from './client-authentication.js';
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
    if (form === undefined) {
      throw new TokenEndpointError(
        400,
        'invalid_request',
        'Expected an application/x-www-form-urlencoded body',
      );
    }
    const grantType = form.get('grant_type');
    if (grantType === null || grantType === '') {
      throw new TokenEndpointError(400, 'invalid_request', 'grant_type is required');
    }
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

/** Parameters RFC 8707 lets a client repeat; every other one may appear once. */
const REPEATABLE = new Set(['resource']);

/**
 * RFC 6749 §3.2: request parameters MUST NOT be included more than once (oidc-provider answers
 * `invalid_request`, at the revocation endpoint too); `resource` is the exception (RFC 8707 §2).
 * @throws {TokenEndpointError} 400 `invalid_request` naming the repeated parameters.
 */
export function rejectRepeatedParameters(form: URLSearchParams): void {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const name of form.keys()) {
    if (seen.has(name) && !REPEATABLE.has(name)) repeated.add(name);
    seen.add(name);
  }
  if (repeated.size > 0) {
    const names = [...repeated].join(', ');
    throw new TokenEndpointError(400, 'invalid_request', `${names} must not be provided more than once`);
  }
}

/** The form body, or undefined when the request is not form-encoded. */
export async function readForm(request: Request): Promise<URLSearchParams | undefined> {
  const type = request.headers.get('content-type') ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) return undefined;
  return new URLSearchParams(await request.text());
}
