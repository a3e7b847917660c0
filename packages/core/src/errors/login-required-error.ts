import { TesseraError } from './tessera-error.js';

/**
 * There is no session to refresh: no refresh token is stored, or the tokens were cleared while a
 * refresh was in flight. Send the user to sign in (then call `setTokens`). When the session ended
 * because the server refused the refresh token, `cause` is that `OAuthError` (`invalid_grant`).
 */
export class LoginRequiredError extends TesseraError {
  constructor(
    message = 'No refresh token is available: the user must sign in',
    options?: { cause?: unknown },
  ) {
    super('LOGIN_REQUIRED', message, options);
    this.name = 'LoginRequiredError';
  }
}
