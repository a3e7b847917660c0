import { TesseraError } from '@tessera/core';

/** Why the session's DPoP key is considered lost. */
export type DPoPKeyLostReason =
  /** The stored session has no key thumbprint (stored before DPoP was on, or by another app). */
  | 'session_not_bound'
  /** The key the session was bound to is gone (storage cleared, private window, in-memory fallback) or replaced. */
  | 'thumbprint_mismatch';

/**
 * The tokens in storage are bound to a DPoP key this app no longer has.
 *
 * Thrown by the storage returned from `dpop.bindStorage()` when it loads a session whose key
 * thumbprint (`cnf.jkt`) differs from the current key's. The session has already been removed:
 * its refresh token is useless without the old key and is never sent with a new one. The
 * `TokenManager` reports it as a `storage_error` event and starts empty; send the user to sign in.
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
