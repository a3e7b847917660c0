// The session types are core's (the store lives there, decision 1007), re-exported under the names
// this package has always had.
export type {
  EndedSession,
  LoadingSession,
  Session,
  SessionCallbackResult as CallbackResult,
  SessionClaims as IdTokenClaims,
  SessionStatus,
  SessionTokens,
  SignedInSession,
  SignedOutSession,
  SignInLike,
} from '@tessera/core';
export { RequireSession, type RequireSessionProps } from './require-session.js';
export { TesseraProvider, type TesseraProviderProps } from './tessera-provider.js';
export { useGetAccessToken } from './use-get-access-token.js';
export { useSession } from './use-session.js';
export { useTokenManager } from './use-token-manager.js';
