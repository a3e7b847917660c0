import type { AuthorizationResponseError } from './authorization-response-error.js';
import { TesseraError } from './tessera-error.js';

/**
 * A callback arrived on the `redirect_uri`, but this browser context holds no PKCE verifier for it, so
 * no token request was sent (an empty `code_verifier` would only earn a misleading server error).
 * Likely causes: the sign-in started in another tab, browser or installed app (a PWA opens the
 * redirect with its own storage), or the transaction storage was cleared. Sign in again from here.
 */
export class PkceVerifierMissingError extends TesseraError {
  readonly authorizationError: AuthorizationResponseError | undefined;

  constructor(authorizationError?: AuthorizationResponseError) {
    super(
      'PKCE_VERIFIER_MISSING',
      'Sign-in callback cannot be completed: this tab has no PKCE verifier for it (the sign-in started in another tab, browser or app, or its storage was cleared). No token request was sent; sign in again',
    );
    this.name = 'PkceVerifierMissingError';
    this.authorizationError = authorizationError;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), authorizationError: this.authorizationError };
  }
}
