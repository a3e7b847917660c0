// One lifecycle for the test files that run on a real redis-server.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { connectNodeRedis, type NodeRedis } from './node-redis-client.js';
import { type RedisServer, startRedisServer } from './redis-server.js';

/**
 * `vi.waitFor` options for a Redis pub/sub message to arrive: the wait ends as soon as it is in; the
 * default 1 s bound is within reach of a loaded CI machine, this one only bounds a failing test.
 */
export const SETTLED = { timeout: 10_000 } as const;

export interface RedisSuite {
  /** The file's redis-server (started before all its tests). */
  readonly server: RedisServer;
  /** A connection for the tests' own reads and writes, open until all of them ran. */
  readonly admin: NodeRedis;
  /** Run after each test, newest first: the connections `connect()` opened, managers a test disposes. */
  readonly cleanups: Array<() => unknown>;
  /** A node-redis client on the server, quit after the test. */
  connect(): Promise<NodeRedis>;
  /**
   * Switches the ACL user `user` off and kills its connections (CLIENT KILL USER): their reconnections
   * are refused until the returned function lets them in again (the user on). The `default` user is
   * switched off meanwhile too: it has no password here, and a connection whose AUTH was refused stays
   * logged in as `default`, so node-redis's reconnection, whose HELLO failed, still ran the SUBSCRIBE
   * it pipelines with it and heard, until it hung up, what was published meanwhile. Connections
   * already open keep working; `connect()` fails until then. `default` is back on after the test.
   */
  keepOut(user: string): Promise<() => Promise<void>>;
}

/**
 * Starts a redis-server before the file's tests (installed first if missing: up to 180 s), with an
 * `admin` connection; runs each test's `cleanups` after it, and quits `admin` and stops the server
 * after all of them.
 */
export function redisSuite(): RedisSuite {
  let server: RedisServer | undefined;
  let admin: NodeRedis | undefined;
  const cleanups: Array<() => unknown> = [];
  const suite: RedisSuite = {
    get server() {
      if (!server) throw new Error('redisSuite: the server starts in beforeAll');
      return server;
    },
    get admin() {
      if (!admin) throw new Error('redisSuite: admin connects in beforeAll');
      return admin;
    },
    cleanups,
    connect: () => connectNodeRedis(suite.server, cleanups),
    keepOut: async (user) => {
      const letIn = async (): Promise<void> => {
        await suite.admin.sendCommand(['ACL', 'SETUSER', 'default', 'on']);
        await suite.admin.sendCommand(['ACL', 'SETUSER', user, 'on']);
      };
      cleanups.push(() => suite.admin.sendCommand(['ACL', 'SETUSER', 'default', 'on']));
      await suite.admin.sendCommand(['ACL', 'SETUSER', 'default', 'off']);
      await suite.admin.sendCommand(['ACL', 'SETUSER', user, 'off']);
      await suite.admin.sendCommand(['CLIENT', 'KILL', 'USER', user]);
      return letIn;
    },
  };
  beforeAll(async () => {
    server = await startRedisServer();
    admin = await suite.connect(); // cleanups[0], kept until afterAll
  }, 180_000);
  afterEach(async () => {
    for (const cleanup of cleanups.splice(1).reverse()) await cleanup();
  });
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await server?.stop();
  }, 60_000);
  return suite;
}
