import type { GetTokenOptions, SessionStore } from '@tessera/core';
import { createContext, useContext } from './internal/react.js';

/** What the provider shares: its session store and a token getter, both made once per store. */
export interface TesseraContextValue extends SessionStore {
  /** A valid access token (`tokens.getAccessToken`), the same function for the store's lifetime. */
  getAccessToken(options?: GetTokenOptions): Promise<string>;
}

/** Holds the provider's store; its value changes only when the provider's `tokens` or `signIn` change. */
export const TesseraContext = createContext<TesseraContextValue | undefined>(undefined);

/** The provider's store; throws when there is no `<TesseraProvider>` above. */
export function useSessionStore(): TesseraContextValue {
  const store = useContext(TesseraContext);
  if (store) return store;
  throw Error('[@tessera/react] no <TesseraProvider> above');
}
