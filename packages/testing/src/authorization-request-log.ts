import type { AuthorizationRequestLogEntry } from './auth-server.js';
import { type AuthorizationResponse, REDIRECT_STATUS } from './authorization-response.js';
import { AuthorizationRequestError } from './authorize.js';

/**
 * Runs `answer` for the authorization request `url` and logs it in `log`, answered (303, or for
 * `form_post` 200 or 400 with an error; with the `error` it sent, if any) or refused (400, with the
 * `error` of its error page), as
 * `AuthorizationRequestLogEntry` says: never a code,
 * `state`, `nonce`, `code_challenge`, `login_hint` or other value of the request. A `TypeError` of a
 * wrong option is the test's mistake, not a request: not logged.
 */
export function logAuthorization(
  log: AuthorizationRequestLogEntry[],
  entry: Pick<AuthorizationRequestLogEntry, 'via' | 'at'>,
  url: string | URL,
  answer: () => AuthorizationResponse,
): AuthorizationResponse {
  const record = (status: number, error: string | undefined): void => {
    const query = new URL(url).searchParams;
    const logged: AuthorizationRequestLogEntry = {
      via: entry.via,
      clientId: query.get('client_id') ?? undefined,
      redirectUri: query.get('redirect_uri') ?? undefined,
      scope: query.get('scope') ?? undefined,
      prompt: query.get('prompt') ?? undefined,
      codeChallengeMethod: query.get('code_challenge_method') ?? undefined,
      status,
      at: entry.at,
    };
    if (error !== undefined) logged.error = error;
    log.push(logged);
  };
  let response: AuthorizationResponse;
  try {
    response = answer();
  } catch (error) {
    if (error instanceof AuthorizationRequestError) record(400, error.error);
    throw error;
  }
  const { error } = response.params;
  record(response.mode !== 'form_post' ? REDIRECT_STATUS : error === undefined ? 200 : 400, error);
  return response;
}
