import { RedisUnavailableError } from '../errors/redis-unavailable-error.js';
import type { RedisCacheEvent, RedisOperation } from '../redis-cache-event.js';
import type { RedisCommandClient } from '../redis-client.js';

/** How long Redis is skipped after a failed command, in ms: one slow Redis costs one timeout, not one per command. */
export const COOLDOWN = 1_000;

/** Sends Redis commands with a timeout each, skipping Redis while it is known to be down. */
export interface RedisCommands {
  /**
   * The command's reply.
   * @throws {RedisUnavailableError} after reporting it as `redis_unavailable`.
   * @throws the client's error, unreported and without a cool-down, when Redis answered that the
   *   key holds another type (`isWrongTypeReply`).
   */
  send(operation: RedisOperation, args: string[], options?: SendOptions): Promise<unknown>;
}

/** Options of one `RedisCommands.send`. */
export interface SendOptions {
  /**
   * Called with the reply of a command that timed out but that Redis ran after all (a frozen or
   * overloaded Redis that resumes): the caller has moved on and may need to undo it (docs/decisions/0020).
   */
  onLateReply?: (reply: unknown) => void;
  /**
   * Send even during the cool-down after a failure: for a command that must reach Redis because
   * Redis has just answered (the clean-up after a late reply), or whose skipping costs more than
   * trying (a lock's renewal and release). Never sent while the client is not ready.
   * Its success does not end the cool-down nor emit `redis_available`: the other commands decide that.
   */
  ignoreCooldown?: boolean;
}

export interface RedisCommandsOptions {
  client: RedisCommandClient;
  timeout: number;
  emit: (event: RedisCacheEvent) => void;
}

export function redisCommands({ client, timeout, emit }: RedisCommandsOptions): RedisCommands {
  let skipUntil = 0;
  let down = false;

  const fail = (operation: RedisOperation, error: RedisUnavailableError): never => {
    down = true;
    emit({ type: 'redis_unavailable', operation, error });
    throw error;
  };

  return {
    async send(operation, args, options = {}) {
      if (client.isReady === false) {
        skipUntil = 0; // the client itself says when it is back; no cool-down after that
        return fail(
          operation,
          new RedisUnavailableError(operation, 'not_ready', 'the client is not connected'),
        );
      }
      if (!options.ignoreCooldown && performance.now() < skipUntil) {
        return fail(
          operation,
          new RedisUnavailableError(
            operation,
            'cooling_down',
            `a command failed less than ${COOLDOWN} ms ago`,
          ),
        );
      }
      const controller = new AbortController();
      let timer: ReturnType<typeof setTimeout> | undefined;
      let gaveUp = false;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          gaveUp = true;
          controller.abort();
          reject(new RedisUnavailableError(operation, 'timeout', `no reply within ${timeout} ms`));
        }, timeout);
        // Unref'd, unlike core's timers that serve a caller (decision 0004): while a reply can still
        // come, the client's connection keeps the process alive; this timer only bounds the wait.
        // After dispose() nobody waits for the command, and it must not hold the process up to `timeout`.
        (timer as { unref?: () => void }).unref?.();
      });
      try {
        const sent = new Promise<unknown>((resolve) =>
          resolve(client.sendCommand(args, { abortSignal: controller.signal })),
        );
        // node-redis drops an aborted command only while it is still queued; once written, Redis
        // may run it later and the reply still arrives.
        sent.then(
          (reply) => {
            if (gaveUp) options.onLateReply?.(reply);
          },
          () => {},
        );
        const reply = await Promise.race([sent, timedOut]);
        if (down && !options.ignoreCooldown) {
          down = false;
          emit({ type: 'redis_available' });
        }
        return reply;
      } catch (error) {
        // Redis answered: the value at the key is the problem (the caller reports it), not Redis.
        if (!gaveUp && isWrongTypeReply(error)) throw error;
        skipUntil = performance.now() + COOLDOWN;
        return fail(
          operation,
          error instanceof RedisUnavailableError
            ? error
            : new RedisUnavailableError(operation, 'failed', describe(error), error),
        );
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * Whether `error` is Redis's reply that the key holds another type than a string (a hash, a list…
 * that another program, or a careless `HSET`, put under a Tessera key).
 */
export function isWrongTypeReply(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('WRONGTYPE ');
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : 'the client rejected the command';
}
