import { type Clock, type TokenSet, type TokenStorage, toTokenSet } from '@tessera/core';
import { InvalidCacheEntryError } from './errors/invalid-cache-entry-error.js';
import { DELETE_SCRIPT, REMOVE_SCRIPT, REPLACED } from './internal/delete-script.js';
import { COOLDOWN, isWrongTypeReply, type RedisCommands } from './internal/redis-commands.js';
import type { Resubscribed } from './internal/resubscribed.js';
import type { Subscriptions } from './internal/subscriptions.js';
import type { TokenCodec } from './internal/token-codec.js';
import { MAX_VALUE_LENGTH, TOO_LARGE_SEEN, WRITE_SCRIPT } from './internal/write-script.js';
import type { RedisCacheEvent } from './redis-cache-event.js';

/** What `redisStorage` needs from the cache that creates it. */
export interface RedisStorageContext {
  commands: RedisCommands;
  /** The cache's subscriptions on the application's subscriber (inactive without one, or disposed). */
  subscriptions: Subscriptions;
  /** When the subscriber is back after a disconnect (it may have missed messages). */
  resubscribed: Resubscribed;
  codec: TokenCodec;
  clock: Clock;
  ttlWithoutExpiry: number | undefined;
  emit: (event: RedisCacheEvent) => void;
}

/** The message, and the tombstone, of a removal; a stored set is never empty. */
const REMOVED = '';

/**
 * What `seen` holds for `value`: itself, or `TOO_LARGE_SEEN` for a value too long to read, which would
 * otherwise be kept in memory and sent back to Redis with each write (`WRITE_SCRIPT` replaces it).
 */
const remembered = (value: string): string => (value.length > MAX_VALUE_LENGTH ? TOO_LARGE_SEEN : value);

/**
 * How often a re-read that Redis did not answer is tried again, after 1, 2, 4, 8 and 16 s: the
 * subscriber is often back before the command connection is (both were cut), and the next refresh,
 * which reads Redis anyway, may be an hour away (docs/decisions/0508).
 */
const REREAD_RETRIES = 5;

/**
 * A `TokenStorage` on the Redis key `redisKey`: every write stores the set for its remaining life
 * and publishes it on the channel of the same name, so subscribed replicas adopt it at once. A write
 * never replaces a set this storage has not seen that lives at least as long (`WRITE_SCRIPT`): when
 * two replicas requested tokens at once (a lost lock), the later-expiring set stays in Redis, and the
 * manager whose write lost is handed that set through `subscribe`, as if another replica had
 * published it (docs/decisions/0504). Failures throw (the manager reports `storage_error` and carries
 * on with its in-memory set).
 */
export function redisStorage(redisKey: string, context: RedisStorageContext): TokenStorage {
  const { commands, subscriptions, codec, emit } = context;
  /** The managers listening to this storage; told of a stored set that won over their write. */
  const listeners = new Set<(tokens: unknown) => void>();
  /** The value this storage last read, wrote or heard in Redis (`''`: nothing); a write may replace it. */
  let seen = REMOVED;
  /**
   * This storage's last write while it still counts: the set `value` it stored over `over`. Redis
   * handing `over` back to a read (a failover to a replica that missed the write) has it written back,
   * once (`restore`; decision 0507, stop 37). Forgotten when anything else is seen there.
   */
  let wrote: { over: string; value: string; tokens: TokenSet } | undefined;
  const forget = (value: string): void => {
    if (value !== wrote?.over && value !== wrote?.value) wrote = undefined;
  };
  /**
   * A read found `value` in Redis. When it is the set this storage's last write replaced, whose
   * refresh token that write's request may have spent, the write is sent again, compared with that
   * set (`WRITE_SCRIPT`: a set stored meanwhile that lives as long stays, a removal's mark stays), so
   * replicas that read Redis next get the new set. Once per write: a write sent here records nothing,
   * so storages never write over each other back and forth. Not run for a message: one published
   * before this storage's write can arrive after it (its subscriber is another connection).
   */
  const restore = (value: string): void => {
    const last = wrote;
    if (value !== last?.over) return;
    wrote = undefined;
    const ttl = timeToLive(last.tokens, context);
    if (ttl === undefined) return;
    // Seen once sent: Redis runs a write sent after it (a refresh meanwhile) after it, so that write
    // compares with this set, not with the one it replaces (a failed compare answers what Redis holds).
    seen = last.value;
    commands.send('set', ['EVAL', WRITE_SCRIPT, '1', redisKey, last.value, String(ttl), value]).then(
      (reply) => {
        if (typeof reply === 'string') hear(reply, listeners);
      },
      () => {
        if (seen === last.value) seen = value; // not written, as far as this storage knows; reported by the runner
      },
    );
  };

  const unreadable = (error: unknown): never => {
    const invalid =
      error instanceof InvalidCacheEntryError ? error : new InvalidCacheEntryError('malformed', redisKey);
    emit({ type: 'invalid_entry', key: redisKey, error: invalid });
    throw invalid;
  };

  const decode = (value: string): unknown => {
    if (value.length > MAX_VALUE_LENGTH) return unreadable(new InvalidCacheEntryError('too_large', redisKey));
    try {
      const record = codec.decode(value, redisKey);
      readSet(record); // an array, an object without a token…: refused here, as unreadable
      return record;
    } catch (error) {
      return unreadable(error);
    }
  };

  /** A stored or published value: remembered as seen, handed to the listeners when readable. */
  const hear = (value: string, tell: Iterable<(tokens: unknown) => void>): void => {
    if (value.startsWith(REPLACED)) {
      // The set deleted there is the one this storage last saw: its refresh token is spent. Dropped,
      // and its mark seen: this storage may store the next set over it (WRITE_SCRIPT). Any other set
      // is not affected.
      if (value.slice(REPLACED.length) !== seen) return;
      value = REMOVED;
    }
    forget(value);
    seen = remembered(value);
    let tokens: unknown = null;
    if (value !== REMOVED) {
      try {
        tokens = decode(value);
      } catch {
        return; // reported as invalid_entry
      }
    }
    for (const onChange of [...tell]) onChange(tokens);
  };

  /**
   * Whether `value`, a set this storage saw, may carry a refresh token: a session that a removal
   * ends. Read by `readSet`, so a set in the OAuth response form (`refresh_token`) counts as the
   * manager would read it; one that cannot be read counts as a session (the managers
   * kept their own set, which may have one), also one too long to read (`TOO_LARGE_SEEN`). Nothing (`''`), and a set without a refresh token
   * (client credentials), hold nothing a token request would send again (decision 0508).
   */
  const refreshable = (value: string): boolean => {
    if (value === REMOVED) return false;
    try {
      return !!readSet(codec.decode(value, redisKey)).refreshToken;
    } catch {
      return true;
    }
  };

  /**
   * The subscriber was disconnected: messages published meanwhile are lost. Reads the key once and
   * hands what Redis holds now to `hear`, as if it had been published: a newer set is adopted, a
   * removal's tombstone drops the set it removed. An empty key was not removed by a replica (those
   * leave a tombstone): the set expired, or Redis lost it (a restart without persistence, a flush,
   * a failover), and the managers keep theirs (decision 0508). Never rejects; a failure is reported
   * by the runner. Returns `false` when Redis did not answer (`redis_unavailable`).
   */
  const rereadOnce = async (): Promise<boolean> => {
    const before = seen;
    let reply: unknown;
    try {
      reply = await commands.send('get', ['GET', redisKey]);
    } catch (error) {
      return isWrongTypeReply(error); // another type: reported by the next get
    }
    if (seen !== before) return true; // a message, read or write meanwhile is newer than this reply
    if (reply === null || reply === undefined) {
      seen = REMOVED; // expired or lost: the managers keep their set (its refresh token may still be good)
      return true;
    }
    const value = String(reply);
    if (remembered(value) !== seen) hear(value, listeners);
    restore(value);
    return true;
  };
  /**
   * One re-read per key at a time; a reconnection during it asks for exactly one more. One that
   * Redis did not answer is tried again `REREAD_RETRIES` times, backing off from `COOLDOWN`, on an
   * unref'd timer that the last unsubscribe, or the cache's `dispose()`, clears.
   */
  let watching = false;
  let rereading = false;
  let again = false;
  let failures = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const reread = async (): Promise<void> => {
    clearTimeout(retry);
    if (rereading) {
      again = true;
      return;
    }
    rereading = true;
    let answered = true;
    try {
      do {
        again = false;
        answered = await rereadOnce();
      } while (again);
    } finally {
      rereading = false;
    }
    if (answered || failures >= REREAD_RETRIES || !watching) return;
    retry = setTimeout(() => void reread(), COOLDOWN * 2 ** failures++);
    (retry as { unref?: () => void }).unref?.();
  };
  let stopRereading = (): void => {};
  const reconnected = (): void => {
    failures = 0; // a reconnection: a new series of retries
    void reread();
  };

  return {
    get: async () => {
      const before = seen;
      let value: unknown;
      try {
        value = await commands.send('get', ['GET', redisKey]);
      } catch (error) {
        if (!isWrongTypeReply(error)) throw error;
        // A hash, a list… under the key: unreadable, and replaced by the next write (WRITE_SCRIPT).
        // A set heard meanwhile, stored over it, stays seen (as below).
        if (seen === before) seen = REMOVED;
        return unreadable(undefined);
      }
      // As at a re-read: a message, read or write meanwhile is newer than this reply, which is
      // returned but neither remembered nor heard (its mark would end the newer set's session).
      const newer = seen !== before;
      // Also a removal's tombstone (`''`): it holds no set.
      if (value === null || value === undefined || value === REMOVED) {
        if (newer) return undefined;
        // A tombstone where this storage last saw a set with a refresh token: a sign-out it missed
        // (its subscriber was down, its re-read failed or is yet to come). Heard as its message
        // would have been, before this read resolves, so a refresh that read it sends nothing with
        // the signed-out session's refresh token (decision 0508).
        if (value === REMOVED && refreshable(seen)) hear(REMOVED, listeners);
        if (value === REMOVED) wrote = undefined;
        seen = REMOVED;
        return undefined;
      }
      const text = String(value);
      if (!newer) {
        forget(text);
        seen = remembered(text);
        restore(text);
      }
      return decode(text);
    },
    set: async (tokens: TokenSet) => {
      const ttl = timeToLive(tokens, context);
      const value = ttl === undefined ? REMOVED : codec.encode(tokens, redisKey);
      // A value every read would refuse (a set near 1 MiB that encryption grew past it) is not
      // stored either: refused here, where the manager reports it, not at each replica's read.
      const tooLarge = value.length > MAX_VALUE_LENGTH;
      if (ttl === undefined || tooLarge) {
        // Not shared (expired, no expiry without `ttlWithoutExpiry`, too large), but it replaces the
        // set this storage saw in Redis, whose refresh token may now be spent: delete that one, and
        // only that one, so no replica refreshes with it and a set stored meanwhile stays (decision
        // 0507). Replicas that adopted it through pub/sub drop it too when the new set has a refresh
        // token: one this replica cannot share, so theirs may be spent. This storage no longer matches it.
        wrote = undefined;
        if (seen !== REMOVED) {
          const replaced = seen;
          seen = REMOVED;
          const told = tokens.refreshToken === undefined ? '' : REPLACED + replaced;
          let reply: unknown = 0;
          try {
            reply = await commands.send('set', ['EVAL', DELETE_SCRIPT, '1', redisKey, replaced, told]);
          } finally {
            if (Number(reply) !== 1 && seen === REMOVED) seen = replaced;
          }
        }
        if (tooLarge) throw new InvalidCacheEntryError('too_large', redisKey);
        return;
      }
      const over = seen;
      const args = ['EVAL', WRITE_SCRIPT, '1', redisKey, value, String(ttl), over];
      wrote = undefined;
      const reply = await commands.send('set', args);
      if (typeof reply !== 'string') {
        seen = value;
        if (over !== REMOVED && over !== TOO_LARGE_SEEN) wrote = { over, value, tokens };
      }
      // Kept: a set stored meanwhile that outlives this one, which the managers use instead; or a
      // removal's mark this storage had not seen (a sign-out won the race), which ends their session.
      else hear(reply, listeners);
    },
    remove: async () => {
      // A tombstone for the rest of the set's life, and its message, in one script: delivered before
      // the lock is released, and read back by a replica whose subscriber missed the message.
      wrote = undefined;
      await commands.send('remove', ['EVAL', REMOVE_SCRIPT, '1', redisKey]);
      seen = REMOVED;
    },
    subscribe: (onChange) => {
      if (!watching && subscriptions.active) {
        watching = true;
        const stop = context.resubscribed.add(reconnected);
        stopRereading = subscriptions.hold(() => {
          watching = false;
          stop();
          clearTimeout(retry);
        });
      }
      listeners.add(onChange);
      // A SUBSCRIBE sent again after it was rejected: what was published until then is read back.
      const unsubscribe = subscriptions.subscribe(
        redisKey,
        (message) => hear(message, [onChange]),
        reconnected,
      );
      return () => {
        if (listeners.delete(onChange) && listeners.size === 0) stopRereading();
        unsubscribe();
      };
    },
  };
}

/**
 * The set a decoded value holds, read by core's token-set reader as the manager reads it (also in the
 * OAuth response form), with its own token type accepted: the type is the manager's concern
 * (`tokenTypes`), not this storage's. Throws for anything the manager could not read (an array, an
 * object without a token), which `decode` reports as unreadable (`invalid_entry`, `malformed`).
 */
function readSet(record: unknown): TokenSet {
  const { token_type, tokenType } = record as Record<string, unknown>;
  return toTokenSet(record, 0, 'storage', [String(token_type ?? tokenType ?? 'Bearer')]);
}

/** Milliseconds the set stays valid (never less than 1), or `undefined` when it must not be stored. */
/** The longest `PX` sent: a larger one (an `expires_in` of millennia) makes Redis refuse the `SET`. */
const MAX_TTL = 2 ** 53;

function timeToLive(tokens: TokenSet, context: RedisStorageContext): number | undefined {
  // `ttlWithoutExpiry` is capped as well: `Number.MAX_VALUE` ("forever") made every such write fail.
  const remaining =
    tokens.expiresAt === undefined
      ? context.ttlWithoutExpiry
      : Math.floor(tokens.expiresAt - context.clock());
  return remaining !== undefined && remaining >= 1 ? Math.min(remaining, MAX_TTL) : undefined;
}
