// What a Redis operator does to the cache of @tessera/node services sharing a real redis-server: restart
// it without persistence during a refresh, evict under `maxmemory`, share it between services.
import { type ClientCredentials, type ClientCredentialsOptions, clientCredentials } from '@tessera/node';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RedisCacheEvent, redisTokenCache } from '../src/index.js';
import type { NodeRedis } from './node-redis-client.js';
import { type RedisServer, startRedisServer } from './redis-server.js';
import { redisSuite, SETTLED } from './redis-suite.js';
import { startTokenEndpoint, type TokenEndpoint } from './token-endpoint.js';

const redis = redisSuite();
const { cleanups } = redis;
let endpoint: TokenEndpoint;

beforeAll(async () => {
  endpoint = await startTokenEndpoint(120);
});
afterEach(async () => {
  await redis.admin.flushAll();
  endpoint.reset();
});
afterAll(async () => {
  await endpoint?.close();
});

/** A connection that reconnects 20 ms after it was cut (a restart), closed after the test. */
async function open(server: RedisServer): Promise<NodeRedis> {
  const client = createClient({ url: server.url, socket: { reconnectStrategy: () => 20 } });
  client.on('error', () => {});
  await client.connect();
  cleanups.push(() => client.isOpen && client.destroy());
  return client;
}

interface Replica {
  credentials: ClientCredentials;
  /** Its command connection. */
  client: NodeRedis;
  cacheEvents: RedisCacheEvent[];
}

/** A service replica: its own connections, cache and client (`client_secret_post`: the endpoint sees `client_id`). */
async function replica(
  options: Partial<ClientCredentialsOptions> & { namespace?: string; server?: RedisServer } = {},
): Promise<Replica> {
  const { namespace, server = redis.server, ...clientOptions } = options;
  const cacheEvents: RedisCacheEvent[] = [];
  const client = await open(server);
  const cache = redisTokenCache({
    client,
    subscriber: await open(server),
    ...(namespace ? { namespace } : {}),
    onEvent: (event) => cacheEvents.push(event),
  });
  const credentials = clientCredentials({
    tokenUrl: endpoint.tokenUrl,
    clientId: 'svc',
    clientSecret: 'svc-secret',
    authMethod: 'client_secret_post',
    scope: 'orders:read',
    storage: cache.storage,
    lock: cache.lock,
    retry: false,
    ...clientOptions,
  } as ClientCredentialsOptions);
  cleanups.push(
    () => credentials.dispose(),
    () => cache.dispose(),
  );
  return { credentials, client, cacheEvents };
}

/** 50 concurrent callers of `replica`'s configured target; resolves to the one token they all got. */
async function fifty({ credentials }: Replica): Promise<string> {
  const tokens = new Set(await Promise.all(Array.from({ length: 50 }, () => credentials.getAccessToken())));
  expect(tokens.size).toBe(1);
  return [...tokens][0] as string;
}

/** Resolves once every replica holds the same token, and returns it. */
async function converged(replicas: Replica[]): Promise<string> {
  let token = '';
  await vi.waitFor(() => {
    const held = new Set(replicas.map(({ credentials }) => credentials.for().peekTokens()?.accessToken));
    expect(held.size).toBe(1);
    token = String([...held][0]);
  }, SETTLED);
  return token;
}

describe('@tessera/node services on a shared redis-server, as an operator runs it', () => {
  it('sends two token requests in all when Redis restarts empty (no persistence) during a refresh whose waiters it wakes, serves 100 callers, and ends on one token', async () => {
    const server = await startRedisServer();
    cleanups.push(() => server.stop());
    const [a, b] = [await replica({ server }), await replica({ server })];
    const held = endpoint.holdNext();
    const first = fifty(a!);
    await held; // A holds the lock, its token request open
    const second = fifty(b!);
    // B waits for A's lock: it subscribed to the release announcements.
    const observer = await open(server);
    await vi.waitFor(
      async () =>
        expect(await observer.sendCommand(['PUBSUB', 'NUMSUB', 'tessera:lock-released'])).toEqual([
          'tessera:lock-released',
          1,
        ]),
      SETTLED,
    );

    await server.restart(); // the lock and everything else gone
    await vi.waitFor(() => expect(endpoint.requests).toHaveLength(2), { timeout: 15_000 });
    await vi.waitFor(() => expect(a!.client.isReady).toBe(true), SETTLED); // A writes to the new server
    endpoint.answerHeld();
    await Promise.all([first, second]);

    const shared = await converged([a!, b!]);
    // A found its lock gone at its release (before any renewal): said so once. (Its subscriber's re-read
    // may have met its command connection still reconnecting: redis_unavailable, then redis_available.)
    await vi.waitFor(
      () =>
        expect(a!.cacheEvents.map(({ type }) => type).filter((type) => !type.startsWith('redis_'))).toEqual([
          'lock_lost',
        ]),
      SETTLED,
    );
    const late = await replica({ server }); // a replica started now reads the set Redis holds
    await vi.waitFor(async () => expect(await fifty(late)).toBe(shared), { timeout: 15_000 });
    expect(endpoint.requests).toHaveLength(2);
  });

  it('sends one token request more when maxmemory (volatile-lru) evicts a held lock, and none when it evicts the set: memory serves it', async () => {
    const [a, b] = [await replica(), await replica()];
    const evict = async (pattern: string): Promise<void> => {
      await redis.admin.configSet({ maxmemory: '1', 'maxmemory-policy': 'volatile-lru' });
      await vi.waitFor(async () => expect(await redis.admin.keys(pattern)).toEqual([]), SETTLED);
      await redis.admin.configSet({ maxmemory: '0', 'maxmemory-policy': 'noeviction' });
    };
    cleanups.push(() => redis.admin.configSet({ maxmemory: '0', 'maxmemory-policy': 'noeviction' }));
    const held = endpoint.holdNext();
    const first = fifty(a!);
    await held;
    expect(await redis.admin.keys('tessera:lock:*')).toHaveLength(1);

    await evict('tessera:lock:*'); // a lock lives for lockTtl: volatile, evictable
    const second = fifty(b!); // takes the lock at once
    await vi.waitFor(() => expect(endpoint.requests).toHaveLength(2), SETTLED);
    endpoint.answerHeld();
    await Promise.all([first, second]);
    const shared = await converged([a!, b!]);
    expect(endpoint.requests).toHaveLength(2);
    await vi.waitFor(
      () => expect(a!.cacheEvents).toEqual([{ type: 'lock_lost', name: `tessera:${a!.credentials.key}` }]),
      SETTLED,
    );
    expect(b!.cacheEvents).toEqual([]); // B took the lock at once: it waited for nobody

    await evict('tessera:tokens:*'); // the set lives until it expires: volatile too
    expect(await fifty(a!)).toBe(shared);
    expect(await fifty(b!)).toBe(shared);
    expect(endpoint.requests).toHaveLength(2);
    // A replica started after the eviction finds nothing: one request, adopted by the others.
    const late = await replica();
    const next = await fifty(late);
    expect(await converged([a!, b!, late])).toBe(next);
    expect(endpoint.requests).toHaveLength(3);
  });

  it('keeps two services with their own namespace apart: one key and one token request each, a refresh in one unseen by the other', async () => {
    const orders = [await replica({ namespace: 'orders-svc' }), await replica({ namespace: 'orders-svc' })];
    const billing = [
      await replica({ namespace: 'billing-svc' }),
      await replica({ namespace: 'billing-svc' }),
    ];

    const [ordersToken, billingToken] = await Promise.all([
      Promise.all(orders.map(fifty)),
      Promise.all(billing.map(fifty)),
    ]);
    const key = orders[0]!.credentials.key;
    expect((await redis.admin.keys('*')).sort()).toEqual([
      `billing-svc:tokens:${key}`,
      `orders-svc:tokens:${key}`,
    ]);
    expect(endpoint.requests).toHaveLength(2);
    expect(new Set(ordersToken).size).toBe(1);
    expect(new Set(billingToken).size).toBe(1);
    expect(ordersToken[0]).not.toBe(billingToken[0]);

    const refreshed = await orders[0]!.credentials.getAccessToken({ forceRefresh: true });
    expect(await converged(orders)).toBe(refreshed);
    await Promise.all([...orders, ...billing].map(({ credentials }) => credentials.getAccessToken()));
    expect(await converged(billing)).toBe(billingToken[0]);
    expect(endpoint.requests).toHaveLength(3);
  });

  it('never lets two client ids in one namespace share a token: one key and one token request per client, each served what its own request got', async () => {
    const byClient = {
      orders: [await replica({ clientId: 'orders' }), await replica({ clientId: 'orders' })],
      billing: [await replica({ clientId: 'billing' }), await replica({ clientId: 'billing' })],
    };

    const served = Object.fromEntries(
      await Promise.all(
        Object.entries(byClient).map(async ([id, replicas]) => [
          id,
          new Set(await Promise.all(replicas.map(fifty))),
        ]),
      ),
    );

    expect(endpoint.requests.map(({ params }) => params.client_id).sort()).toEqual(['billing', 'orders']);
    for (const { params, token } of endpoint.requests)
      expect(served[String(params.client_id)]).toEqual(new Set([token]));
    expect((await redis.admin.keys('*')).sort()).toEqual([
      `tessera:tokens:${byClient.billing[0]!.credentials.key}`,
      `tessera:tokens:${byClient.orders[0]!.credentials.key}`,
    ]);
    expect(byClient.billing[0]!.credentials.key).toBe(`billing@${endpoint.tokenUrl}|orders:read||`);
  });
});
