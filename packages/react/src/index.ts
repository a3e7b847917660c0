export { RequireSession, type RequireSessionProps } from './require-session.js';
export type {
  EndedSession,
  IdTokenClaims,
  LoadingSession,
  Session,
  SessionStatus,
  SessionTokens,
  SignedInSession,
  SignedOutSession,
} from './session.js';
export type { CallbackResult, SignInLike } from './sign-in-like.js';
export { TesseraProvider, type TesseraProviderProps } from './tessera-provider.js';
export { useGetAccessToken } from './use-get-access-token.js';
export { useSession } from './use-session.js';
export { useTokenManager } from './use-token-manager.js';
