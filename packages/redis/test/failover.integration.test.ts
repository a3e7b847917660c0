// @tessera/redis across a failover on real redis-servers: a primary and a replica on 127.0.0.1, the
// applications reaching "Redis" through one TCP endpoint that moves to the promoted replica, as a
// managed Redis's endpoint (or a Sentinel-aware client) does. Decision 0507, update of stop 36.
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FetchTokens, type TokenEvent, TokenManager } from '@tessera/core';
import { createClient } from 'redis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { redisTokenCache, tokenCacheKey } from '../src/index.js';
import { type RedisServer, startRedisServer } from './redis-server.js';
import { SETTLED } from './redis-suite.js';
import { rotatingEndpoint } from './rotating-endpoint.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** One TCP endpoint on 127.0.0.1 forwarding to `port`; `moveTo` cuts every connection and forwards new ones elsewhere. */
async function endpoint(port: number) {
  let target = port;
  const open = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = new (inbound.constructor as typeof Socket)();
    outbound.connect(target, '127.0.0.1');
    for (const socket of [inbound, outbound]) {
      open.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        open.delete(socket);
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${address.port}`,
    moveTo(next: number): void {
      target = next;
      for (const socket of open) socket.destroy();
    },
    close: () => {
      for (const socket of open) socket.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

async function connect(url: string) {
  const client = createClient({ url, socket: { reconnectStrategy: () => 20 } });
  client.on('error', () => {}); // required: node-redis emits 'error' when its connection is cut
  await client.connect();
  // Not `quit()`: it waits for a connection to a primary that may be dead.
  cleanups.push(() => client.isOpen && client.destroy());
  return client;
}

/** A service replica: a manager on its own cache, with a command and a subscriber connection to `url`. */
async function replica(url: string, key: string, fetchTokens: FetchTokens) {
  const cache = redisTokenCache({ client: await connect(url), subscriber: await connect(url) });
  const manager = new TokenManager({
    key,
    fetchTokens,
    storage: cache.storage(key),
    lock: cache.lock,
    retry: false,
  });
  const events: TokenEvent[] = [];
  manager.subscribe((event) => events.push(event));
  cleanups.push(() => manager.dispose());
  return { manager, events };
}

/** A redis-server whose files (the RDB a full sync of the replica writes) go to a temporary folder. */
async function started(args: string[] = []): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-failover-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const server = await startRedisServer(['--dir', dir, ...args]);
  cleanups.push(() => server.stop());
  return server;
}

describe('a failover to a replica that missed the last write', () => {
  it('brings back the set a refresh replaced, which the refreshing replica writes back over it once: replicas that heard the refresh keep the new set, and a replica started after the failover gets it and never sends the spent refresh token', async () => {
    const primary = await started();
    const secondary = await started(['--replicaof', '127.0.0.1', String(primary.port)]);
    const redis = await endpoint(primary.port);
    cleanups.push(() => redis.close());
    const onPrimary = await connect(primary.url);
    const onSecondary = await connect(secondary.url);
    await vi.waitFor(async () => {
      expect(await onSecondary.sendCommand(['INFO', 'replication'])).toContain('master_link_status:up');
    }, SETTLED);
    const key = tokenCacheKey({ tokenUrl: 'https://auth.example.com/token', clientId: 'svc' });
    const redisKey = `tessera:tokens:${key}`;
    const server = rotatingEndpoint(() => 3_600);
    /** The refresh token of each token request, in order (`-` for none). */
    const sent: string[] = [];
    const fetchTokens: FetchTokens = (request) => {
      sent.push(request.refreshToken ?? '-');
      return server.fetchTokens(request);
    };

    const a = await replica(redis.url, key, fetchTokens);
    const b = await replica(redis.url, key, fetchTokens);
    expect(await a.manager.getAccessToken()).toBe('at-1');
    expect(await b.manager.getAccessToken()).toBe('at-1');
    await vi.waitFor(
      async () => expect(await onSecondary.get(redisKey)).toBe(await onPrimary.get(redisKey)),
      SETTLED,
    );
    const before = await onSecondary.get(redisKey);

    // The replica stops receiving writes (the last write it has is the set with rt-1)…
    await onSecondary.sendCommand(['REPLICAOF', 'NO', 'ONE']);
    // …and A's refresh spends rt-1: the primary stores and publishes at-2; B hears it. (B may also
    // hear at-1's message only now: through this endpoint it can arrive after A's next write.)
    expect(await a.manager.getAccessToken({ forceRefresh: true })).toBe('at-2');
    await vi.waitFor(
      () => expect(b.events.at(-1)).toMatchObject({ type: 'synced', tokens: { accessToken: 'at-2' } }),
      SETTLED,
    );
    expect(await b.manager.getAccessToken()).toBe('at-2');
    const after = await onPrimary.get(redisKey);

    // Failover: the primary dies, the endpoint moves to the replica, which holds the set with rt-1.
    await primary.kill();
    await onSecondary.sendCommand(['CONFIG', 'RESETSTAT']);
    redis.moveTo(secondary.port);
    expect(await onSecondary.get(redisKey)).toBe(before);
    // Both subscribers are back and re-read the key (decision 0508): the old set is ignored by both,
    // and A, whose write it replaced, writes at-2 back over it.
    await vi.waitFor(async () => expect(await onSecondary.get(redisKey)).toBe(after), SETTLED);
    const heard = [a.events.length, b.events.length];
    expect(await a.manager.getAccessToken()).toBe('at-2');
    expect(await b.manager.getAccessToken()).toBe('at-2');
    expect([a.events.length, b.events.length]).toEqual(heard);

    // A replica that never saw at-2 (started now) reads it from Redis and refreshes with rt-2.
    const c = await replica(redis.url, key, fetchTokens);
    expect(await c.manager.getAccessToken()).toBe('at-2');
    expect(await c.manager.getAccessToken({ forceRefresh: true })).toBe('at-3');
    await vi.waitFor(() => {
      expect(a.events.at(-1)).toMatchObject({ type: 'synced', tokens: { accessToken: 'at-3' } });
      expect(b.events.at(-1)).toMatchObject({ type: 'synced', tokens: { accessToken: 'at-3' } });
    }, SETTLED);
    expect(sent).toEqual(['-', 'rt-1', 'rt-2']);
    expect(server.spent).toEqual([]);
    expect([...a.events, ...b.events, ...c.events].filter(({ type }) => type === 'cleared')).toEqual([]);
    // Written back once: since the failover the promoted replica ran 3 SETs (at-2 back, C's lock,
    // at-3) and 3 PUBLISHes (at-2 back, at-3, C's lock release).
    const stats = String(await onSecondary.sendCommand(['INFO', 'commandstats']));
    expect(stats).toMatch(/cmdstat_set:calls=3,/);
    expect(stats).toMatch(/cmdstat_publish:calls=3,/);
  });
});
