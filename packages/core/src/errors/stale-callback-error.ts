import type { AuthorizationResponseError } from './authorization-response-error.js';
import { TesseraError } from './tessera-error.js';

/** Why a callback on the `redirect_uri` matched no pending sign-in. */
export type StaleCallbackReason =
  | 'replayed'
  | 'expired'
  | 'unknown-state'
  | 'missing-state'
  | 'missing-code'
  | 'repeated-parameter';

/**
 * A callback arrived on the `redirect_uri` but matches no pending sign-in of this tab: it was already
 * used (reload or Back on the callback page), its sign-in expired, or its `state` is unknown (tampered,
 * or from another client); or it is malformed: no `state`, an empty `code`, or a response parameter repeated
 * (RFC 6749 §3.1) or response parameters in both the query and the hash; the last two also use up the sign-in
 * they name. No token request was sent and the address bar was cleaned.
 * Show a "Sign in" button; never start a sign-in automatically from this error.
 * `authorizationError` keeps the callback's original `error` (e.g. `access_denied`), if it had one, verbatim and
 * unverified: anyone can send a link to the redirect URI, so show it only as untrusted text. The message never
 * quotes it.
 */
export class StaleCallbackError extends TesseraError {
  readonly reason: StaleCallbackReason;
  readonly authorizationError: AuthorizationResponseError | undefined;

  constructor(reason: StaleCallbackReason, authorizationError?: AuthorizationResponseError) {
    // Not quoted: without a pending sign-in, anyone who can send a link wrote it (decision 1106).
    const said = authorizationError ? ' (it carries an OAuth error, see authorizationError)' : '';
    super(
      'STALE_CALLBACK',
      `Sign-in callback ignored: ${REASONS[reason]}${said}. No token request was sent; sign in again`,
    );
    this.name = 'StaleCallbackError';
    this.reason = reason;
    this.authorizationError = authorizationError;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), reason: this.reason, authorizationError: this.authorizationError };
  }
}

const REASONS: Record<StaleCallbackReason, string> = {
  replayed: 'it was already used (reload or Back)',
  expired: 'its sign-in expired',
  'unknown-state': 'its state matches no sign-in of this tab',
  'missing-state': 'it has no state',
  'missing-code': 'its code is empty',
  'repeated-parameter': 'it repeats a parameter, or has some in both the query and the hash (RFC 6749 §3.1)',
};
