import { delay, http, type RequestHandler } from 'msw';
import type { AuthServerState, TokenRequestLogEntry } from './auth-server.js';
import { claimedClientId } from './client-authentication.js';
import { failureOutcome } from './failure-plan.js';
import { readForm } from './form-body.js';
import type { ServerContext } from './server-context.js';
import { answerTokenRequest } from './token-endpoint.js';

/** The msw handler of the token endpoint: counts, logs, injects failures and latency. */
export function tokenEndpointHandler(context: ServerContext, state: AuthServerState): RequestHandler {
  return http.post(context.tokenUrl, async ({ request }) => {
    state.tokenRequestCount += 1;
    const generation = state.generation;
    const at = context.clock();
    const latency = state.latency;
    const failure = state.failures.take();
    await state.holds.wait();
    // The latency timer starts before processing (real async work: body, WebCrypto), so a test that
    // advances fake timers by the latency right after sending releases the response.
    const latencyElapsed = latency > 0 ? delay(latency) : undefined;
    const form = await readForm(request);
    const outcome = failure
      ? failureOutcome(failure, context.issuer)
      : await answerTokenRequest(context, request, form);
    const entry: TokenRequestLogEntry = {
      grantType: form?.get('grant_type') ?? undefined,
      clientId: claimedClientId(request, form ?? new URLSearchParams()),
      status: outcome.status,
      at,
    };
    if (outcome.error !== undefined) entry.error = outcome.error;
    if (state.generation === generation) state.tokenRequests.push(entry);
    await latencyElapsed;
    return outcome.response;
  });
}
