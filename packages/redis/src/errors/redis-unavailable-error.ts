import { TesseraError } from '@tessera/core';
import type { RedisOperation } from '../redis-cache-event.js';

/** Why a Redis command did not answer. */
export type RedisUnavailableReason =
  /** No reply within the `timeout` option. */
  | 'timeout'
  /** The client is connecting or reconnecting (`isReady` is `false`). */
  | 'not_ready'
  /** A command failed less than a second ago; Redis is skipped until then. */
  | 'cooling_down'
  /** The client rejected the command (`cause` says why). */
  | 'failed';

/**
 * A Redis command failed, timed out or was skipped. Never reaches the callers of
 * `getAccessToken()`: the token manager carries on with its local cache and reports it — as a
 * `storage_error` event for `get`/`set`/`remove`, and as `redis_unavailable` to `onEvent` for
 * every operation. Check Redis and the client's connection.
 */
export class RedisUnavailableError extends TesseraError {
  /** The operation that failed. */
  readonly operation: RedisOperation;
  /** Why it failed. */
  readonly reason: RedisUnavailableReason;

  constructor(operation: RedisOperation, reason: RedisUnavailableReason, detail: string, cause?: unknown) {
    super('REDIS_UNAVAILABLE', `Redis ${operation} failed (${reason}): ${detail}`, {
      cause: sanitizeCause(cause),
    });
    this.name = 'RedisUnavailableError';
    this.operation = operation;
    this.reason = reason;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), operation: this.operation, reason: this.reason };
  }
}

/** The client's error without anything it may carry beyond its message and code (never command arguments). */
function sanitizeCause(cause: unknown): Error | undefined {
  if (!(cause instanceof Error)) return undefined;
  const safe = new Error(cause.message);
  safe.name = cause.name;
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(safe, { code });
  return safe;
}
