import { http, type RequestHandler } from 'msw';
import type { AuthServerState, RevocationRequestLogEntry } from './auth-server.js';
import { claimedClientId } from './client-authentication.js';
import { readForm } from './form-body.js';
import { answerRevocationRequest } from './revocation-endpoint.js';
import type { ServerContext } from './server-context.js';

/**
 * The msw handler of the revocation endpoint: logs every request. Planned failures, holds and
 * latency belong to the token endpoint and do not apply here.
 */
export function revocationEndpointHandler(context: ServerContext, state: AuthServerState): RequestHandler {
  return http.post(context.revocationUrl, async ({ request }) => {
    const generation = state.generation;
    const at = context.clock();
    const form = await readForm(request);
    const outcome = await answerRevocationRequest(context, request, form);
    const entry: RevocationRequestLogEntry = {
      tokenTypeHint: form?.get('token_type_hint') ?? undefined,
      clientId: claimedClientId(request, form ?? new URLSearchParams()),
      status: outcome.status,
      at,
    };
    if (outcome.error !== undefined) entry.error = outcome.error;
    if (outcome.revoked !== undefined) entry.revoked = outcome.revoked;
    if (state.generation === generation) state.revocationRequests.push(entry);
    return outcome.response;
  });
}
