import type { AuthorizationRequestLogEntry } from './auth-server.js';
import { AuthorizationRequestError } from './authorize.js';

/**
 * Runs `answer` for the authorization request `url` and logs it in `log`, redirected (302, with the
 * `error` it sent, if any) or refused (400), as `AuthorizationRequestLogEntry` says: never a code,
 * `state`, `nonce`, `code_challenge`, `login_hint` or other value of the request. A `TypeError` of a
 * wrong option is the test's mistake, not a request: not logged.
 */
export function logAuthorization(
  log: AuthorizationRequestLogEntry[],
  entry: Pick<AuthorizationRequestLogEntry, 'via' | 'at'>,
  url: string | URL,
  answer: () => string,
): string {
  const record = (status: number, error: string | null): void => {
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
    if (error !== null) logged.error = error;
    log.push(logged);
  };
  let callback: string;
  try {
    callback = answer();
  } catch (error) {
    if (error instanceof AuthorizationRequestError) record(400, null);
    throw error;
  }
  record(302, new URL(callback).searchParams.get('error'));
  return callback;
}
