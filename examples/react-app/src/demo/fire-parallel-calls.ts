import type { Session } from './create-session.js';
import { errorCode } from './describe-event.js';

/** How many calls the demo's button fires at once. */
export const PARALLEL_CALLS = 20;

/** What the parallel calls did: how many succeeded, and how many token requests they caused. */
export interface ParallelCallsResult {
  calls: number;
  succeeded: number;
  /** Error codes of the calls that failed (`invalid_grant`, `ERR_NETWORK`…). */
  failures: string[];
  /** Token requests sent while the calls ran. */
  tokenRequests: number;
}

/**
 * Sends `count` API calls at once after the current access token stopped working: `refuse(token)`
 * makes the server refuse it (the embedded mock server revokes it, as after a key rotation), so all
 * calls leave with it, all get 401, the manager sends one token request and every call is replayed
 * once with the new token. Without `refuse` the token is marked stale locally (`invalidate`, what a
 * 401 does), so the calls wait for the one refresh before they leave.
 */
export async function fireParallelCalls(
  session: Session,
  count: number,
  refuse?: (accessToken: string) => void,
): Promise<ParallelCallsResult> {
  const current = session.tokens.peekTokens();
  if (current && refuse) refuse(current.accessToken);
  else if (current) session.tokens.invalidate(current.accessToken);
  const before = session.tokenRequestCount();
  const results = await Promise.allSettled(
    Array.from({ length: count }, () => session.api.get(session.apiUrl)),
  );
  const failures = results.flatMap((result) =>
    result.status === 'rejected' ? [callErrorCode(result.reason)] : [],
  );
  return {
    calls: count,
    succeeded: count - failures.length,
    failures,
    tokenRequests: session.tokenRequestCount() - before,
  };
}

/** `401`, `invalid_grant`, `ERR_NETWORK`…: what went wrong with an API call, without its details. */
export function callErrorCode(error: unknown): string {
  const status = (error as { response?: { status?: unknown } } | undefined)?.response?.status;
  if (typeof status === 'number') return String(status);
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_')) return code;
  return errorCode(error);
}
