import type { GetTokenOptions } from '@tessera/core';
import { useSessionStore } from './tessera-context.js';

/**
 * A function that resolves with a valid access token, for event handlers and effects. The same
 * function for the provider's lifetime (safe in effect dependencies), and calling it never
 * re-renders anything: only a change of the session does.
 *
 * @example
 * const getAccessToken = useGetAccessToken();
 * useEffect(() => { getAccessToken().then(load); }, [getAccessToken]);
 */
export function useGetAccessToken(): (options?: GetTokenOptions) => Promise<string> {
  return useSessionStore().getAccessToken;
}
