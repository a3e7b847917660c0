import type { ParallelCallsResult } from './fire-parallel-calls.js';

/**
 * One line about the parallel calls for the session panel, e.g. `20 calls · 20 succeeded · 1 token request`;
 * before the first run, what the button is about to do.
 */
export function describeParallelCalls(result: ParallelCallsResult | undefined): string {
  if (!result) return 'the current token stops working first: one refresh must serve them all';
  const requests = `${result.tokenRequests} token request${result.tokenRequests === 1 ? '' : 's'}`;
  const failed =
    result.failures.length > 0 ? ` · ${result.failures.length} failed (${result.failures[0]})` : '';
  return `${result.calls} calls · ${result.succeeded} succeeded${failed} · ${requests}`;
}
