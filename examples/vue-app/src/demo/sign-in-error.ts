import { callErrorCode } from './fire-parallel-calls.js';

/** Texts for the errors a user can cause or meet at sign-in, by OAuth `error` or Tessera code. */
const MESSAGES: Record<string, string> = {
  invalid_grant: 'Wrong username or password (invalid_grant).',
  access_denied: 'Sign-in was cancelled at the identity provider (access_denied).',
  login_required: 'You are not signed in at the identity provider (login_required).',
  STALE_CALLBACK:
    'This sign-in response was ignored and no token was requested: it was already used, was not for a sign-in started here, or repeated a parameter (STALE_CALLBACK).',
  PKCE_VERIFIER_MISSING:
    'This sign-in was started in another tab, browser or app, or its storage was cleared: please sign in again (PKCE_VERIFIER_MISSING).',
};

/**
 * What the sign-in screen says when signing in failed, e.g. `Sign-in was cancelled at the identity
 * provider (access_denied).`; never an error's message (which may quote a server).
 */
export function signInError(error: unknown): string {
  const code = callErrorCode(error);
  return MESSAGES[code] ?? `Sign-in failed (${code}).`;
}
