import { TesseraError } from './tessera-error.js';

/**
 * There is no session to refresh: no refresh token is stored, or the tokens were cleared while a
 * refresh was in flight. Send the user to sign in (then call `setTokens`).
 */
export class LoginRequiredError extends TesseraError {
  constructor(message = 'No refresh token is available: the user must sign in') {
    super('LOGIN_REQUIRED', message);
    this.name = 'LoginRequiredError';
  }
}
