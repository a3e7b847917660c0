import { createClient } from 'redis';
import type { RedisServer } from './redis-server.js';

export type NodeRedis = ReturnType<typeof createClient>;

/** A node-redis client connected to `server`; the cleanup it pushes onto `cleanups` quits it. */
export async function connectNodeRedis(
  server: RedisServer,
  cleanups: Array<() => unknown>,
): Promise<NodeRedis> {
  const client = createClient({ url: server.url });
  client.on('error', () => {}); // required: node-redis emits 'error' when Redis goes away
  await client.connect();
  cleanups.push(() => client.isOpen && client.quit());
  return client;
}
