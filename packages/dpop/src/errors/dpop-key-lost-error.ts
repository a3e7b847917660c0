import { TesseraError } from '../core.js';

/** Why the session's DPoP key is considered lost. */
export type DPoPKeyLostReason =
  /** The stored session has no key thumbprint (stored before DPoP was on, or by another app). */
  | 'session_not_bound'
  /**
   * The key the session was bound to is gone (storage cleared, private window, in-memory fallback) or
   * replaced; or, thrown by `dpop.fetch`, the key its proof was signed with was removed (`removeKey()`)
   * or replaced while the request was in flight, so its tokens were never stored.
   */
  | 'thumbprint_mismatch';

/**
 * The tokens in storage are bound to a DPoP key this app no longer has.
 *
 * Thrown by the storage returned from `dpop.bindStorage()` when it loads a session whose key
 * thumbprint (`cnf.jkt`) differs from the current key's. The session has already been removed:
 * its refresh token is useless without the old key and is never sent with a new one. The
 * `TokenManager` reports it as a `storage_error` event and starts empty; send the user to sign in.
 *
 * Also thrown by `dpop.fetch` when this instance's key changed while a token request was in flight
 * (`removeKey()`, a sign-out): the answer's tokens are bound to a key it no longer signs with, so
 * they are not handed on (decision 1202). A refresh or code exchange fails with it; sign in again.
 *
 * Two clients on one origin that share one storage key (the default `webStorage` key) or one manager
 * `key` under `crossTab()` get it for each other's sessions: give each client its own (decision 1202).
 */
export class DPoPKeyLostError extends TesseraError {
  /** Why the key counts as lost. */
  declare readonly reason: DPoPKeyLostReason;

  constructor(reason: DPoPKeyLostReason) {
    super(
      'DPOP_KEY_LOST',
      `The stored session was dropped (${reason}): it is not bound to the current DPoP key. Sign in again.`,
    );
    this.name = 'DPoPKeyLostError';
    this.reason = reason;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), reason: this.reason };
  }
}
