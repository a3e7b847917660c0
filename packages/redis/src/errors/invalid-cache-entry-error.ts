import { TesseraError } from '@tessera/core';

/** What was wrong with a value read from Redis. */
export type InvalidCacheEntryReason =
  /** Encrypted, but not with this `encryptionKey`, or altered since (authentication failed). */
  | 'decryption_failed'
  /** Encrypted, but no `encryptionKey` is configured. */
  | 'encrypted'
  /** Plain text, but an `encryptionKey` is configured: refused, so nobody can plant a token. */
  | 'not_encrypted'
  /**
   * Not JSON, no token set the manager can read (an array, an object without an access token…), or
   * not a string at all (a hash, a list… under the key).
   */
  | 'malformed'
  /**
   * Over 1 MiB: refused unread (a token set is a few KiB); or, thrown by a write, a set whose stored
   * value (encrypted: about 4/3 of its JSON) would be, so it is not stored.
   */
  | 'too_large';

/**
 * A value stored or published under a Tessera key could not be read. It counts as empty: the
 * manager emits `storage_error` and requests a new token, which overwrites the value. Check that
 * every replica uses the same `encryptionKey`, and that nothing else writes under the namespace.
 */
export class InvalidCacheEntryError extends TesseraError {
  /** What was wrong. */
  readonly reason: InvalidCacheEntryReason;

  constructor(reason: InvalidCacheEntryReason, key: string) {
    super('INVALID_CACHE_ENTRY', `Unreadable token cache entry (${reason}): ${key}`);
    this.name = 'InvalidCacheEntryError';
    this.reason = reason;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), reason: this.reason };
  }
}
