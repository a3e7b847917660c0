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
export { createSessionGuard } from './create-session-guard.js';
export { createTessera, type Tessera, type TesseraOptions } from './tessera.js';
export { type SessionRefs, useSession } from './use-session.js';
export { useTessera } from './use-tessera.js';
