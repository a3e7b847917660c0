/**
 * @tessera/redis benchmarks (issue 6). Run: `pnpm bench redis` or
 * `pnpm build && node --expose-gc --import tsx bench/redis-replicas.bench.ts`. Starts its own
 * redis-server on 127.0.0.1 (installing it when missing, like the integration suites).
 *
 * 1. Replicas × expiries → token requests against a loopback token endpoint, each replica its own
 *    TokenManager with its own Redis connections (in one process; the multi-process proof is
 *    packages/redis/test/replicas.integration.test.ts), with and without the Redis cache
 *    (target: 1 per expiry with it, 1 per replica per expiry without).
 * 2. Cached `getAccessToken()` with Redis storage vs memory storage, same run (target ≤ 1.5×: the
 *    manager's in-memory set answers, Redis is not touched), next to what reading Redis on every
 *    call would cost; and, for information, a refresh through Redis vs in memory.
 */
import { clientCredentialsGrant, type FetchTokens, TokenManager } from '@tessera/core';
import { redisTokenCache, tokenCacheKey } from '@tessera/redis';
import { createClient } from 'redis';
import { Bench } from 'tinybench';
import { startRedisServer } from '../packages/redis/test/redis-server.js';
import { startTokenEndpoint } from '../packages/redis/test/token-endpoint.js';
import { completed } from './completed.js';

type NodeRedis = ReturnType<typeof createClient>;
const results: Array<Record<string, string | number>> = [];
const server = await startRedisServer();

async function connect(connections: NodeRedis[]): Promise<NodeRedis> {
  const client = createClient({ url: server.url });
  client.on('error', () => {}); // node-redis emits 'error' when Redis goes away: always listen
  await client.connect();
  connections.push(client);
  return client;
}

const quit = (connections: NodeRedis[]): Promise<unknown> =>
  Promise.all(connections.map((client) => client.quit().catch(() => {})));

/** `replicas` managers, 50 callers each, through `expiries` token lifetimes (moved by an injected clock). */
async function replicasByExpiries(replicas: number, expiries: number, shared: boolean): Promise<number> {
  const endpoint = await startTokenEndpoint(60);
  let offset = 0;
  const clock = (): number => Date.now() + offset;
  const key = tokenCacheKey({ tokenUrl: endpoint.tokenUrl, clientId: `bench-${replicas}-${shared}` });
  const connections: NodeRedis[] = [];
  const fetchTokens = clientCredentialsGrant({
    tokenUrl: endpoint.tokenUrl,
    clientId: 'bench',
    clientSecret: 's',
  });
  const managers = await Promise.all(
    Array.from({ length: replicas }, async () => {
      if (!shared) return new TokenManager({ key, fetchTokens, clock, retry: false });
      const client = await connect(connections);
      const subscriber = client.duplicate();
      subscriber.on('error', () => {});
      await subscriber.connect();
      connections.push(subscriber);
      const cache = redisTokenCache({ client, subscriber, clock });
      return new TokenManager({
        key,
        fetchTokens,
        clock,
        retry: false,
        storage: cache.storage(key),
        lock: cache.lock,
      });
    }),
  );
  for (let expiry = 0; expiry < expiries; expiry += 1) {
    offset = expiry * 60_000;
    await Promise.all(
      managers.flatMap((manager) => Array.from({ length: 50 }, () => manager.getAccessToken())),
    );
  }
  for (const manager of managers) manager.dispose();
  await quit(connections);
  await endpoint.close();
  return endpoint.requests.length;
}

async function requestCounts(): Promise<void> {
  const expiries = 3;
  for (const replicas of [5, 20, 50]) {
    const alone = await replicasByExpiries(replicas, expiries, false);
    const shared = await replicasByExpiries(replicas, expiries, true);
    results.push({
      benchmark: `${replicas} replicas × ${expiries} expiries, 50 callers each`,
      baseline: `${alone} token requests without Redis`,
      measured: `${shared} token requests with redisTokenCache`,
      ratio: (alone / shared).toFixed(1),
      target: `${expiries} (1 per expiry)`,
      verdict: shared === expiries && alone === replicas * expiries ? 'ok' : 'FAIL',
    });
  }
}

async function cachedLatency(): Promise<void> {
  const fetchTokens: FetchTokens = async () => ({ access_token: `at-${Math.random()}`, expires_in: 3600 });
  const memory = new TokenManager({ fetchTokens });
  const connections: NodeRedis[] = [];
  const client = await connect(connections);
  const key = tokenCacheKey({ tokenUrl: 'https://auth.example.com/token', clientId: 'latency' });
  const cache = redisTokenCache({ client });
  const redis = new TokenManager({ key, fetchTokens, storage: cache.storage(key), lock: cache.lock });
  await Promise.all([memory.getAccessToken(), redis.getAccessToken()]);
  const redisKey = `tessera:tokens:${key}`;

  const bench = new Bench({ time: 1_000, warmupTime: 200 });
  bench
    .add('memory storage', async () => {
      await memory.getAccessToken();
    })
    .add('redisTokenCache storage', async () => {
      await redis.getAccessToken();
    })
    .add('reading Redis on every call (no local layer)', async () => {
      JSON.parse(String(await client.get(redisKey)));
    })
    .add('refresh, memory storage', async () => {
      await memory.getAccessToken({ forceRefresh: true });
    })
    .add('refresh, redisTokenCache', async () => {
      await redis.getAccessToken({ forceRefresh: true });
    });
  await bench.run();
  const [base, cached, everyCall, refreshBase, refreshRedis] = bench.tasks.map(
    (task) => completed(task).latency.mean,
  ) as [number, number, number, number, number];
  const us = (ms: number): string => `${(ms * 1_000).toFixed(2)} µs`;
  results.push({
    benchmark: 'cached getAccessToken(), Redis storage vs memory',
    baseline: us(base),
    measured: us(cached),
    ratio: (cached / base).toFixed(2),
    target: '≤ 1.50',
    verdict: cached / base <= 1.5 ? 'ok' : 'OVER',
  });
  results.push({
    benchmark: 'GET + JSON.parse per call instead (information)',
    baseline: us(base),
    measured: us(everyCall),
    ratio: (everyCall / base).toFixed(1),
    target: '-',
    verdict: '-',
  });
  results.push({
    benchmark: 'refresh: lock + read + write + publish + release (information)',
    baseline: us(refreshBase),
    measured: us(refreshRedis),
    ratio: (refreshRedis / refreshBase).toFixed(1),
    target: '-',
    verdict: '-',
  });
  memory.dispose();
  redis.dispose();
  await quit(connections);
}

try {
  await requestCounts();
  await cachedLatency();
} finally {
  await server.stop();
}
console.log('\n@tessera/redis');
console.table(results);
