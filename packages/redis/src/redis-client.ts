/**
 * The one method Tessera calls on your Redis client: send a command, get its reply. A connected
 * `redis` (node-redis 5) client has it. For ioredis, wrap it:
 * `{ sendCommand: (args) => ioredis.call(args[0]!, ...args.slice(1)) }` (see the README).
 */
export interface RedisCommandClient {
  /**
   * Sends one command (`['SET', key, value, 'NX', 'PX', '5000']`) and resolves with the reply
   * (`'OK'`, a string, `null`, a number). `options.abortSignal` aborts at Tessera's per-command
   * timeout; node-redis then drops the command if it was still queued.
   */
  sendCommand(args: string[], options?: { abortSignal?: AbortSignal }): Promise<unknown>;
  /**
   * `false` while the client is connecting or reconnecting: Tessera then skips Redis at once
   * instead of queueing behind the outage. node-redis has it; leave it out for other clients.
   */
  readonly isReady?: boolean;
}

/** Receives the messages of one channel. */
export type RedisMessageListener = (message: string, channel: string) => void;

/**
 * A Redis connection in subscriber mode, e.g. `client.duplicate()` of node-redis after
 * `connect()`. A connection that subscribes can send no other command, hence a second one.
 */
export interface RedisSubscriber {
  subscribe(channel: string, listener: RedisMessageListener): Promise<unknown>;
  unsubscribe(channel: string, listener: RedisMessageListener): Promise<unknown>;
  /**
   * Registers `listener` for `'ready'`: the connection is back, and subscribed again, after a
   * disconnect. Tessera then re-reads each subscribed key once, since messages published meanwhile
   * were lost (a sign-out, a set that replaced the one this replica holds). node-redis has it and
   * emits `'ready'` once its resubscription is confirmed; for ioredis see the README's adapter.
   * Required: without it a sign-out missed while disconnected was never caught up, and a replica
   * idle for longer than the signed-out set's life refreshed that session (a `TypeError` at
   * creation; docs/decisions/0508).
   */
  on(event: 'ready', listener: () => void): unknown;
  /** Removes a listener that `on` registered. node-redis and ioredis have it. */
  off?(event: 'ready', listener: () => void): unknown;
}
