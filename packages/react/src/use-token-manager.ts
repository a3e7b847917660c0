import type { TokenManager } from '@tessera/core';
import { useSessionStore } from './tessera-context.js';

/** The provider's `TokenManager`. Never re-renders by itself. */
export function useTokenManager(): TokenManager {
  return useSessionStore().tokens;
}
