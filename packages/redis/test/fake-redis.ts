// An in-memory stand-in for Redis in unit tests: the commands @tessera/redis sends (GET, SET NX PX,
// DEL, PUBLISH, its six EVAL scripts, PTTL), key expiry on Date.now (fake timers move it), pub/sub,
// and switches for outages. The real-server claims are proven in *.integration.test.ts.
import { DELETE_SCRIPT, REMOVE_SCRIPT } from '../src/internal/delete-script.js';
import { ACQUIRE_SCRIPT, RELEASE_SCRIPT, RENEW_SCRIPT } from '../src/internal/lock-scripts.js';
import { MAX_VALUE_LENGTH, WRITE_SCRIPT } from '../src/internal/write-script.js';
import type { RedisCommandClient, RedisMessageListener, RedisSubscriber } from '../src/redis-client.js';

type Mode = 'up' | 'hang' | 'frozen' | 'fail';

export class FakeRedis {
  /** Every command received, in order. */
  readonly commands: string[][] = [];
  /**
   * `up` answers; `hang` never answers (until aborted); `fail` rejects like a refused connection;
   * `frozen` is a stopped server (SIGSTOP) with the commands already written: an abort does not take
   * them back, and `thaw()` runs them in order and answers them.
   */
  mode: Mode = 'up';
  /** What clients report as `isReady`. */
  ready = true;
  readonly #data = new Map<string, { value: string; expiresAt: number }>();
  readonly #channels = new Map<string, Set<RedisMessageListener>>();
  readonly #frozen: Array<() => void> = [];

  client(): RedisCommandClient & { readonly isReady: boolean } {
    const redis = this;
    return {
      get isReady() {
        return redis.ready;
      },
      sendCommand: (args, options) => this.#receive(args, options?.abortSignal),
    };
  }

  /**
   * A subscriber connection with node-redis's `'ready'` event. `disconnect()` drops it: messages
   * published meanwhile are lost, as on a real connection; `reconnect()` emits `'ready'`. While
   * `refusing`, it rejects `SUBSCRIBE` and `UNSUBSCRIBE` and keeps nothing of them, as node-redis does
   * for a command in flight when its connection drops, or sent offline with `disableOfflineQueue`.
   */
  subscriber(): RedisSubscriber & { disconnect(): void; reconnect(): void; refusing: boolean } {
    let connected = true;
    const ready = new Set<() => void>();
    const heard = new Map<RedisMessageListener, RedisMessageListener>();
    const offline = (): Promise<never> => Promise.reject(new Error('The client is offline'));
    const connection: RedisSubscriber & { disconnect(): void; reconnect(): void; refusing: boolean } = {
      refusing: false,
      subscribe: async (channel: string, listener: RedisMessageListener): Promise<void> => {
        if (connection.refusing) return offline();
        const listeners = this.#channels.get(channel) ?? new Set();
        const onMessage: RedisMessageListener = (message, from) => connected && listener(message, from);
        heard.set(listener, onMessage);
        listeners.add(onMessage);
        this.#channels.set(channel, listeners);
      },
      unsubscribe: async (channel: string, listener: RedisMessageListener): Promise<void> => {
        if (connection.refusing) return offline();
        this.#channels.get(channel)?.delete(heard.get(listener) ?? listener);
      },
      on: (_event, listener) => ready.add(listener),
      off: (_event, listener) => ready.delete(listener),
      disconnect: () => {
        connected = false;
      },
      reconnect: () => {
        connected = true;
        for (const listener of [...ready]) listener();
      },
    };
    return connection;
  }

  /** Ends `frozen` mode: runs and answers the commands received meanwhile, in order. */
  thaw(): void {
    this.mode = 'up';
    for (const run of this.#frozen.splice(0)) run();
  }

  /** How many of the received commands are `name` (e.g. `GET`). */
  count(name: string): number {
    return this.commands.filter(([command]) => command === name).length;
  }

  /** How many of the received commands are `EVAL` of `script` (e.g. `RELEASE_SCRIPT`). */
  countScript(script: string): number {
    return this.commands.filter(([command, body]) => command === 'EVAL' && body === script).length;
  }

  /** The stored value of `key`, as Redis holds it (unexpired). */
  peek(key: string): string | undefined {
    return this.#live(key)?.value;
  }

  /** Stores `value` under `key` directly, as another program would. */
  put(key: string, value: string, ttl = 60_000): void {
    this.#data.set(key, { value, expiresAt: Date.now() + ttl });
  }

  /** Remaining life of `key` in ms, -1 when it has no expiry, or -2 when absent (like PTTL). */
  pttl(key: string): number {
    const entry = this.#live(key);
    if (!entry) return -2;
    return entry.expiresAt === Number.POSITIVE_INFINITY ? -1 : entry.expiresAt - Date.now();
  }

  /** How many listeners are subscribed to `channel`. */
  listeners(channel: string): number {
    return this.#channels.get(channel)?.size ?? 0;
  }

  #live(key: string) {
    const entry = this.#data.get(key);
    if (entry && entry.expiresAt <= Date.now()) this.#data.delete(key);
    return this.#data.get(key);
  }

  #receive(args: string[], signal: AbortSignal | undefined): Promise<unknown> {
    this.commands.push(args);
    if (this.mode === 'fail') return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    if (this.mode === 'frozen') {
      return new Promise((resolve, reject) => {
        this.#frozen.push(() => {
          try {
            resolve(this.#execute(args));
          } catch (error) {
            reject(error);
          }
        });
      });
    }
    if (this.mode === 'hang') {
      return new Promise((_, reject) =>
        signal?.addEventListener('abort', () => reject(new Error('aborted'))),
      );
    }
    return Promise.resolve().then(() => this.#execute(args));
  }

  #execute(args: string[]): unknown {
    const [command, key = '', ...rest] = args;
    switch (command) {
      case 'GET':
        return this.#live(key)?.value ?? null;
      case 'SET': {
        const [value = '', ...flags] = rest;
        if (flags.includes('NX') && this.#live(key)) return null;
        const px = flags.indexOf('PX');
        const given = flags[px + 1] ?? '';
        // As Redis: an integer whose expiry time (now + PX) fits a signed 64-bit millisecond count.
        if (px >= 0 && !(/^\d+$/.test(given) && BigInt(given) + BigInt(Date.now()) < 2n ** 63n)) {
          throw new Error('ERR value is not an integer or out of range');
        }
        const ttl = px >= 0 ? Number(given) : Number.POSITIVE_INFINITY;
        this.#data.set(key, { value, expiresAt: Date.now() + ttl });
        return 'OK';
      }
      case 'DEL':
        return this.#data.delete(key) ? 1 : 0;
      case 'PTTL':
        return this.pttl(key);
      case 'PUBLISH':
        return this.#publish(key, rest[0] ?? '');
      case 'EVAL':
        return this.#eval(key, rest);
      default:
        throw new Error(`FakeRedis: unsupported command ${command}`);
    }
  }

  #eval(script: string, [, key = '', owner, ...args]: string[]): unknown {
    if (script === ACQUIRE_SCRIPT) {
      // Only strings are modelled: the takeover of another type is proven against redis-server.
      if (this.pttl(key) === -1) this.#data.delete(key);
      return this.#execute(['SET', key, owner ?? '', 'NX', 'PX', args[0] ?? '']);
    }
    if (script === WRITE_SCRIPT) {
      const [value = '', ttl = '', seen] = [owner, ...args];
      const live = this.#live(key)?.value; // a removal's empty mark: replaced only by a storage that saw it
      const stored = live !== undefined && Buffer.byteLength(live) > MAX_VALUE_LENGTH ? undefined : live;
      if (stored !== undefined && stored !== seen && (stored === '' || this.pttl(key) >= Number(ttl)))
        return stored;
      this.#execute(['SET', key, value, 'PX', ttl]);
      this.#publish(key, value);
      return 1;
    }
    if (script === REMOVE_SCRIPT) return this.#mark(key, '');
    if (this.#live(key)?.value !== owner) return 0;
    if (script === RENEW_SCRIPT) {
      this.#data.set(key, { value: owner ?? '', expiresAt: Date.now() + Number(args[0]) });
      return 1;
    }
    if (script === DELETE_SCRIPT) {
      if (args[0]) this.#mark(key, args[0]);
      else this.#data.delete(key);
      return 1;
    }
    if (script === RELEASE_SCRIPT) {
      this.#data.delete(key);
      this.#publish(args[0] ?? '', args[1] ?? '');
      return 1;
    }
    throw new Error('FakeRedis: unknown script');
  }

  /** A removal: an empty tombstone for the rest of the key's life (deleted without one), and `message` published. */
  #mark(key: string, message: string): number {
    const ttl = this.pttl(key);
    if (ttl > 0) this.#data.set(key, { value: '', expiresAt: Date.now() + ttl });
    else this.#data.delete(key);
    this.#publish(key, message);
    return 1;
  }

  #publish(channel: string, message: string): number {
    const listeners = [...(this.#channels.get(channel) ?? [])];
    queueMicrotask(() => {
      for (const listener of listeners) listener(message, channel);
    });
    return listeners.length;
  }
}
