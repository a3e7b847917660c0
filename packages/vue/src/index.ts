export { createSessionGuard } from './create-session-guard.js';
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
export { createTessera, type Tessera, type TesseraOptions } from './tessera.js';
export { type SessionRefs, useSession } from './use-session.js';
export { useTessera } from './use-tessera.js';
