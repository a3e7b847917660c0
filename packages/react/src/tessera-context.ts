import { createContext, useContext } from './internal/react.js';
import type { SessionStore } from './session-store.js';

/** Holds the provider's store; its value changes only when the provider's `tokens` or `signIn` change. */
export const TesseraContext = createContext<SessionStore | undefined>(undefined);

/** The provider's store; throws when there is no `<TesseraProvider>` above. */
export function useSessionStore(): SessionStore {
  const store = useContext(TesseraContext);
  if (!store) {
    throw Error('[@tessera/react] no <TesseraProvider> above');
  }
  return store;
}
