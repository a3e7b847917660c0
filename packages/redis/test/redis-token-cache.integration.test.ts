// @tessera/redis against a real redis-server (single process): what the fake in the unit tests cannot
// prove — the Lua scripts, TTLs, INFO command counts, CLIENT PAUSE as a slow Redis, ioredis.
import { randomBytes } from 'node:crypto';
import {
  type Clock,
  clientCredentialsGrant,
  type FetchTokens,
  LoginRequiredError,
  type TokenEvent,
  TokenManager,
} from '@tessera/core';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { describe, expect, it, vi } from 'vitest';
import {
  type RedisCacheEvent,
  type RedisTokenCacheOptions,
  redisTokenCache,
  tokenCacheKey,
} from '../src/index.js';
import { ioredisClient, ioredisSubscriber } from './ioredis-adapter.js';
import type { NodeRedis } from './node-redis-client.js';
import { startRedisServer } from './redis-server.js';
import { redisSuite, SETTLED } from './redis-suite.js';
import { deferred } from './replica.js';
import { rotatingEndpoint } from './rotating-endpoint.js';
import { startTokenEndpoint } from './token-endpoint.js';

const redis = redisSuite();
const { cleanups, connect } = redis;
let keyIndex = 0;

/** A fetchTokens answering `at-1`, `at-2`… valid for `expiresIn` seconds. */
function counting(expiresIn = 3600) {
  let calls = 0;
  const fetchTokens: FetchTokens = async () => {
    calls += 1;
    return { access_token: `at-${calls}`, expires_in: expiresIn };
  };
  return { fetchTokens, calls: () => calls };
}

/** A manager on a Redis token cache, with both event streams recorded; `options.clock` is the manager's too. */
function replica(key: string, fetchTokens: FetchTokens, options: RedisTokenCacheOptions) {
  const cacheEvents: RedisCacheEvent[] = [];
  const cache = redisTokenCache({ ...options, onEvent: (event) => cacheEvents.push(event) });
  const manager = new TokenManager({
    key,
    fetchTokens,
    storage: cache.storage(key),
    lock: cache.lock,
    retry: false,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const events: TokenEvent[] = [];
  manager.subscribe((event) => events.push(event));
  cleanups.push(() => manager.dispose());
  return { manager, cache, events, cacheEvents };
}

const freshKey = (): string =>
  tokenCacheKey({ tokenUrl: 'https://auth.example.com/token', clientId: `svc-${++keyIndex}` });

async function commandsProcessed(): Promise<number> {
  const info = String(await redis.admin.sendCommand(['INFO', 'stats']));
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1]);
}

describe('redisTokenCache on redis-server', () => {
  it('sends no command to Redis for 10,000 cached getAccessToken() calls', async () => {
    const client = await connect();
    const subscriber = await connect();
    const { manager } = replica(freshKey(), counting().fetchTokens, { client, subscriber });
    await manager.getAccessToken();

    const before = await commandsProcessed();
    for (let i = 0; i < 10_000; i += 1) await manager.getAccessToken();
    const after = await commandsProcessed();

    expect(after - before).toBe(1); // the first INFO itself
  });

  it('stores the set as JSON for exactly its remaining life', async () => {
    const key = freshKey();
    const { manager } = replica(key, counting(120).fetchTokens, { client: await connect() });
    await manager.getAccessToken();

    const ttl = Number(await redis.admin.sendCommand(['PTTL', `tessera:tokens:${key}`]));
    expect(ttl).toBeGreaterThan(119_000);
    expect(ttl).toBeLessThanOrEqual(120_000);
    expect(JSON.parse(String(await redis.admin.get(`tessera:tokens:${key}`)))).toMatchObject({
      accessToken: 'at-1',
    });
  });

  it('renews its lock while the task runs and releases only its own lock', async () => {
    const client = await connect();
    const { lock } = redisTokenCache({ client, lockTtl: 300 });
    const lockKey = 'tessera:lock:job';

    await lock.run('job', async () => {
      // Watch the lock's remaining life fall, until a renewal (every 100 ms) lifts it back up.
      let lowest = Number.POSITIVE_INFINITY;
      for (;;) {
        const ttl = Number(await client.sendCommand(['PTTL', lockKey]));
        expect(ttl).toBeGreaterThan(0);
        if (ttl > lowest + 50) break;
        lowest = Math.min(lowest, ttl);
      }
    });
    expect(await client.exists(lockKey)).toBe(0); // released (sent before this command, same connection)

    await lock.run('job', async () => {
      await redis.admin.set(lockKey, 'another-holder', { expiration: { type: 'PX', value: 10_000 } });
    });
    expect(await client.get(lockKey)).toBe('another-holder');
  });

  it('takes over a lock key no holder set (no expiry, or a hash), and still waits for a live holder’s lock', async () => {
    const events: RedisCacheEvent[] = [];
    // lockWait 2 s: without the takeover, each run would wait it out and emit lock_timeout.
    const { lock } = redisTokenCache({
      client: await connect(),
      lockWait: 2_000,
      onEvent: (e) => events.push(e),
    });
    const lockKey = 'tessera:lock:planted';
    const holder = () => lock.run('planted', async () => String(await redis.admin.get(lockKey)));

    await redis.admin.set(lockKey, 'set-by-hand'); // PTTL -1: would never expire
    expect(await holder()).toMatch(/^[0-9a-f-]{36}$/); // ran holding its own lock
    await redis.admin.del(lockKey);
    await redis.admin.hSet(lockKey, 'owner', 'another-program');
    expect(await holder()).toMatch(/^[0-9a-f-]{36}$/);
    expect(events).toEqual([]);
    expect(await redis.admin.exists(lockKey)).toBe(0); // released both times

    const waiting = redisTokenCache({
      client: await connect(),
      lockWait: 300,
      onEvent: (e) => events.push(e),
    });
    await redis.admin.set(lockKey, 'live-holder', { expiration: { type: 'PX', value: 10_000 } });
    expect(await waiting.lock.run('planted', async () => String(await redis.admin.get(lockKey)))).toBe(
      'live-holder',
    );
    expect(events).toEqual([{ type: 'lock_timeout', name: 'planted', waited: expect.any(Number) }]);
    expect(Number(await redis.admin.sendCommand(['PTTL', lockKey]))).toBeGreaterThan(0);
    await redis.admin.del(lockKey);
  });

  it('reports lock_lost when a hash replaces the lock it holds, and leaves that hash in place at release', async () => {
    const events: RedisCacheEvent[] = [];
    let lost: () => void = () => {};
    let bound: ReturnType<typeof setTimeout> | undefined;
    const lostOrTimedOut = new Promise<void>((resolve) => {
      lost = resolve;
      bound = setTimeout(resolve, 10_000); // bounds the failing case only: lock_lost comes within 100 ms
    });
    const { lock } = redisTokenCache({
      client: await connect(),
      lockTtl: 300,
      onEvent: (event) => {
        events.push(event);
        if (event.type === 'lock_lost') lost();
      },
    });
    const lockKey = 'tessera:lock:hash-planted';

    await lock.run('hash-planted', async () => {
      await redis.admin.del(lockKey);
      await redis.admin.hSet(lockKey, 'owner', 'another-program');
      await lostOrTimedOut;
      clearTimeout(bound);
    });

    expect(events).toEqual([{ type: 'lock_lost', name: 'hash-planted' }]);
    expect(await redis.admin.hGet(lockKey, 'owner')).toBe('another-program');
    await redis.admin.del(lockKey);
  });

  it('reports lock_lost from a renewal Redis answers after it timed out (SIGSTOP, SIGCONT), though the task ends before the next renewal', async () => {
    const client = await connect();
    const lockKey = 'tessera:lock:late-renewal';
    const events: RedisCacheEvent[] = [];
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'],
    });
    try {
      // Renewed every 1,000 ms; each command times out after 300 ms.
      const { lock } = redisTokenCache({
        client,
        lockTtl: 3_000,
        timeout: 300,
        onEvent: (e) => events.push(e),
      });
      const task = deferred<string>();
      const started = deferred<void>();
      const result = lock.run('late-renewal', async () => {
        started.resolve();
        return task.promise;
      });
      await started.promise;
      await redis.admin.set(lockKey, 'another-holder', { PX: 60_000 }); // ours expired, another replica took it
      redis.server.freeze();
      try {
        await vi.advanceTimersByTimeAsync(1_300); // the renewal is sent, and times out
      } finally {
        redis.server.thaw();
      }
      await client.ping(); // answered after the late renewal, on the same connection
      task.resolve('done');
      expect(await result).toBe('done');
    } finally {
      vi.useRealTimers();
    }
    expect(events.map((event) => (event.type === 'redis_unavailable' ? event.error.reason : event))).toEqual([
      'timeout',
      { type: 'lock_lost', name: 'late-renewal' },
    ]);
    await client.ping(); // the release, sent before, has run
    expect(await redis.admin.get(lockKey)).toBe('another-holder');
    await redis.admin.del(lockKey);
  }, 15_000);

  it('keeps tokens encrypted at rest, shared by replicas with the key, and unreadable without it', async () => {
    const key = freshKey();
    const encryptionKey = randomBytes(32);
    const writer = replica(key, counting().fetchTokens, { client: await connect(), encryptionKey });
    await writer.manager.getAccessToken();

    const raw = String(await redis.admin.get(`tessera:tokens:${key}`));
    expect(raw).toMatch(/^v1\./);
    expect(raw).not.toContain('at-1');
    const sameKey = counting();
    expect(
      await replica(key, sameKey.fetchTokens, {
        client: await connect(),
        encryptionKey,
      }).manager.getAccessToken(),
    ).toBe('at-1');
    expect(sameKey.calls()).toBe(0);

    const otherKey = replica(key, counting().fetchTokens, {
      client: await connect(),
      encryptionKey: randomBytes(32),
    });
    await expect(otherKey.manager.getAccessToken()).resolves.toBe('at-1'); // its own first token
    expect(otherKey.events.map((event) => event.type)).toEqual([
      'storage_error', // the first read: encrypted with another key
      'loaded',
      'storage_error', // the re-read under the lock
      'refreshed',
    ]);
  });

  it('answers within its timeout when Redis stops answering (SIGSTOP), and says so', async () => {
    const client = await connect();
    // Fake timers and monotonic clock: the timeout fires when the test says, and the one-second
    // cool-down covers the commands after it however slowly a loaded machine runs them.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { manager, cacheEvents } = replica(freshKey(), counting().fetchTokens, { client, timeout: 300 });

    redis.server.freeze();
    let answered = false;
    try {
      const token = manager.getAccessToken().finally(() => {
        answered = true;
      });
      await vi.advanceTimersByTimeAsync(299);
      expect(answered).toBe(false); // waits for its GET up to the timeout…
      await vi.advanceTimersByTimeAsync(1);
      expect(await token).toBe('at-1'); // …and no longer, while Redis still answers nothing
    } finally {
      redis.server.thaw();
      vi.useRealTimers();
    }
    // One timeout (the load); the lock, re-read and write are skipped during the cool-down, not waited for.
    expect(cacheEvents.map((event) => event.type === 'redis_unavailable' && event.error.reason)).toEqual([
      'timeout',
      'cooling_down',
      'cooling_down',
      'cooling_down',
    ]);
    await redis.admin.sendCommand(['PING']); // answered once Redis runs again
  }, 15_000);

  it('leaves no lock behind when Redis freezes during a lock request (SIGSTOP, SIGCONT): the next replica locks at once', async () => {
    // lockTtl 60 s: an orphaned lock would make the next replica wait far beyond this test's 15 s.
    const options = { lockTtl: 60_000, lockWait: 120_000, timeout: 300 };
    const lockKey = 'tessera:lock:frozen';
    const firstClient = await connect();
    const firstEvents: RedisCacheEvent[] = [];
    const first = redisTokenCache({ client: firstClient, ...options, onEvent: (e) => firstEvents.push(e) });
    const nextClient = await connect();
    const nextEvents: RedisCacheEvent[] = [];
    const next = redisTokenCache({ client: nextClient, ...options, onEvent: (e) => nextEvents.push(e) });

    redis.server.freeze();
    try {
      // The SET NX is written to the frozen server; after its 300 ms timeout the task runs unlocked.
      expect(await first.lock.run('frozen', async () => 'unlocked')).toBe('unlocked');
    } finally {
      redis.server.thaw();
    }
    expect(firstEvents.map((event) => event.type === 'redis_unavailable' && event.error.reason)).toEqual([
      'timeout',
    ]);
    // Answered after the late SET NX on the same connection: Redis has granted the lock to nobody by now.
    await firstClient.ping();

    const holder = await next.lock.run('frozen', async () => String(await redis.admin.get(lockKey)));
    expect(holder).toMatch(/^[0-9a-f-]{36}$/); // ran holding its own lock
    expect(nextEvents).toEqual([]); // no lock_timeout, no Redis error
    expect(await nextClient.exists(lockKey)).toBe(0); // released (sent before this command, same connection)
  }, 15_000);

  it.each([
    ['without', false],
    ['with', true],
  ])(
    'keeps the later-expiring set when a replica that lost its lock finishes its slow token request last (%s pub/sub)',
    async (_, withSubscriber) => {
      const endpoint = await startTokenEndpoint(3_600);
      cleanups.push(() => endpoint.close());
      let now = 1_700_000_000_000;
      const clock: Clock = () => now;
      const key = freshKey();
      const lockKey = `tessera:lock:tessera:${key}`;
      const fetchTokens = clientCredentialsGrant({
        tokenUrl: endpoint.tokenUrl,
        clientId: 'svc',
        clientSecret: 's',
      });
      const subscriber = async () => (withSubscriber ? { subscriber: await connect() } : {});
      // lockTtl 60 s: no renewal runs during the test; the lock is lost because the test deletes it.
      const options = { clock, lockTtl: 60_000 };
      const slow = replica(key, fetchTokens, {
        client: await connect(),
        ...(await subscriber()),
        ...options,
      });
      const late = replica(key, fetchTokens, {
        client: await connect(),
        ...(await subscriber()),
        ...options,
      });

      // The slow replica takes the lock and sends its request at `now`; the endpoint holds it open.
      const held = endpoint.holdNext();
      const slowToken = slow.manager.getAccessToken();
      const first = await held;
      expect(await redis.admin.exists(lockKey)).toBe(1);
      await redis.admin.del(lockKey); // its lock expires while the endpoint is slow
      // A minute later the other replica finds no lock and no set: it requests and stores its own.
      now += 60_000;
      const lateToken = await late.manager.getAccessToken();
      const [, second] = endpoint.requests;
      expect(lateToken).toBe(second?.token);
      // The slow request is answered last. Its set expires a minute before the stored one.
      endpoint.answerHeld();

      expect(await slowToken).toBe(lateToken);
      const stored = JSON.parse(String(await redis.admin.get(`tessera:tokens:${key}`)));
      expect(stored).toMatchObject({ accessToken: lateToken, expiresAt: now + 3_600_000 });
      expect(Number(await redis.admin.sendCommand(['PTTL', `tessera:tokens:${key}`]))).toBeGreaterThan(
        3_540_000,
      );
      expect(first.token).not.toBe(lateToken); // requested, then dropped for the longer-lived set
      expect(slow.events.filter((event) => event.type === 'synced')).toHaveLength(1);
      expect(slow.events.filter((event) => event.type === 'refreshed')).toHaveLength(0);
      // Both serve the stored set from now on, without another request.
      expect(await slow.manager.getAccessToken()).toBe(lateToken);
      expect(await late.manager.getAccessToken()).toBe(lateToken);
      expect(endpoint.requests).toHaveLength(2);
      expect(endpoint.issued()).toBe(2);
    },
  );

  it('replaces a value it has read or one without expiry, and keeps an unseen one that lives longer (the write script)', async () => {
    const key = freshKey();
    const redisKey = `tessera:tokens:${key}`;
    const storage = redisTokenCache({ client: await connect() }).storage(key);
    const heard: unknown[] = [];
    storage.subscribe?.((tokens) => heard.push(tokens));
    const set = (accessToken: string, life: number) => ({
      accessToken,
      tokenType: 'Bearer',
      expiresAt: Date.now() + life,
    });
    const stored = async () => JSON.parse(String(await redis.admin.get(redisKey))).accessToken;
    const longer = set('longer', 7_200_000);

    await redis.admin.set(redisKey, JSON.stringify(longer), { expiration: { type: 'PX', value: 7_200_000 } });
    await storage.set(set('unseen-loses', 3_600_000));
    expect(await stored()).toBe('longer');
    expect(heard).toEqual([longer]); // the managers on this storage adopt it

    await storage.get();
    await storage.set(set('read-then-replaced', 3_600_000));
    expect(await stored()).toBe('read-then-replaced');
    expect(await redis.admin.pTTL(redisKey)).toBeLessThanOrEqual(3_600_000);

    await redis.admin.set(redisKey, JSON.stringify(longer)); // no expiry: not written by a cache
    await storage.set(set('replaces-persistent', 3_600_000));
    expect(await stored()).toBe('replaces-persistent');
    expect(await redis.admin.pTTL(redisKey)).toBeGreaterThan(3_500_000);
    expect(heard).toHaveLength(1);
  });

  it('marks a sign-out with an empty value for the rest of the set’s life, which reads as no set and which only a write that saw it replaces (the removal script)', async () => {
    const key = freshKey();
    const redisKey = `tessera:tokens:${key}`;
    const client = await connect();
    const signingOut = redisTokenCache({ client });
    const writing = redisTokenCache({ client }).storage(key);
    const set = (accessToken: string, life: number) => ({
      accessToken,
      tokenType: 'Bearer',
      expiresAt: Date.now() + life,
    });
    await writing.set(set('before', 7_200_000)); // this storage has seen `before`

    await signingOut.storage(key).remove();
    expect(await redis.admin.get(redisKey)).toBe('');
    expect(await redis.admin.pTTL(redisKey)).toBeGreaterThan(7_100_000);
    expect(await signingOut.storage(key).get()).toBeUndefined();
    // A write that has not seen the mark (it lost the race to the sign-out) leaves it, and its
    // managers hear the sign-out; one that has seen it (a new sign-in) replaces it.
    const heard: unknown[] = [];
    writing.subscribe?.((tokens) => heard.push(tokens));
    await writing.set(set('late', 60_000));
    expect(await redis.admin.get(redisKey)).toBe('');
    expect(heard).toEqual([null]);
    await writing.set(set('after', 60_000));
    expect(JSON.parse(String(await redis.admin.get(redisKey))).accessToken).toBe('after');

    await redis.admin.set(redisKey, JSON.stringify(set('persistent', 60_000))); // no expiry: no mark left
    await signingOut.storage(key).remove();
    expect(await redis.admin.exists(redisKey)).toBe(0);
  });

  it('deletes the set a new, unstorable set replaced (its refresh token is spent), and never a newer one another replica stored (the delete script)', async () => {
    const key = freshKey();
    const redisKey = `tessera:tokens:${key}`;
    const endpoint = rotatingEndpoint((issued) => (issued === 1 ? 3_600 : undefined));
    const first = replica(key, endpoint.fetchTokens, { client: await connect() });
    expect(await first.manager.getAccessToken()).toBe('at-1');
    expect(await first.manager.getAccessToken({ forceRefresh: true })).toBe('at-2'); // spends rt-1, no expiry

    const second = replica(key, endpoint.fetchTokens, { client: await connect() });
    expect(await second.manager.getAccessToken()).toBe('at-3');
    expect(await first.manager.getAccessToken({ forceRefresh: true })).toBe('at-4');
    expect(endpoint.spent).toEqual([]);
    expect(await redis.admin.get(redisKey)).toBe(''); // the removal's mark: no set, not even the spent one

    const storage = redisTokenCache({ client: await connect() }).storage(key);
    const set = (accessToken: string) => ({
      accessToken,
      tokenType: 'Bearer',
      expiresAt: Date.now() + 3_600_000,
    });
    await storage.set(set('seen'));
    await redis.admin.set(redisKey, JSON.stringify(set('newer')), {
      expiration: { type: 'PX', value: 3_600_000 },
    });
    await storage.set({ accessToken: 'expired', tokenType: 'Bearer', expiresAt: Date.now() - 1 });
    expect(JSON.parse(String(await redis.admin.get(redisKey))).accessToken).toBe('newer');
  });

  it('tells subscribed replicas to drop the set an unstorable one replaced, and the replica that stored it keeps its own (the delete script)', async () => {
    const key = freshKey();
    const endpoint = rotatingEndpoint((issued) => (issued === 1 ? 3_600 : undefined));
    const subscribed = async () => {
      const client = await connect();
      const subscriber = await connect();
      return replica(key, endpoint.fetchTokens, { client, subscriber });
    };
    const storing = await subscribed();
    const adopting = await subscribed();
    expect(await storing.manager.getAccessToken()).toBe('at-1');
    expect(await adopting.manager.getAccessToken()).toBe('at-1');
    const cleared = new Promise((resolve) => adopting.manager.subscribe((event) => resolve(event)));

    expect(await storing.manager.getAccessToken({ forceRefresh: true })).toBe('at-2'); // spends rt-1
    expect(await cleared).toEqual({ type: 'cleared', reason: 'external' });
    expect(await adopting.manager.getAccessToken()).toBe('at-3'); // no refresh token: a new sign-in
    await redis.admin.ping(); // a round trip after the deletion's message reached the storing replica too
    expect(await storing.manager.getAccessToken()).toBe('at-2');
    expect(endpoint.spent).toEqual([]);
    expect(storing.events.map((event) => event.type)).not.toContain('cleared');
  });

  it('drops, once its subscriber reconnects, a set replaced while that connection was killed (CLIENT KILL): no token request, no invalid_grant', async () => {
    const key = freshKey();
    const endpoint = rotatingEndpoint((issued) => (issued === 1 ? 3_600 : undefined));
    let requests = 0;
    const fetchTokens: FetchTokens = (request) => {
      requests += 1;
      return endpoint.fetchTokens(request);
    };
    const storingSubscriber = await connect();
    const storing = replica(key, fetchTokens, { client: await connect(), subscriber: storingSubscriber });
    // The missing replica's subscriber logs in as a user the test switches off, to keep it out while
    // the other replica rotates: its reconnection attempts fail until the user is on again.
    await redis.admin.sendCommand(['ACL', 'SETUSER', 'replica-b', 'reset', 'on', '>pw', '+@all', '~*', '&*']);
    cleanups.push(() => redis.admin.sendCommand(['ACL', 'DELUSER', 'replica-b']));
    const subscriber = createClient({
      url: redis.server.url,
      username: 'replica-b',
      password: 'pw',
      socket: { reconnectStrategy: () => 20 },
    });
    subscriber.on('error', () => {});
    await subscriber.connect();
    cleanups.push(() => subscriber.isOpen && subscriber.destroy());
    const missing = replica(key, fetchTokens, { client: await connect(), subscriber });
    expect(await storing.manager.getAccessToken()).toBe('at-1');
    expect(await missing.manager.getAccessToken()).toBe('at-1'); // read from Redis

    const letIn = await redis.keepOut('replica-b');
    expect(await storing.manager.getAccessToken({ forceRefresh: true })).toBe('at-2'); // spends rt-1
    expect(requests).toBe(2);
    expect(missing.events.map((event) => event.type)).not.toContain('cleared'); // the message was lost
    const reconnected = new Promise((resolve) => subscriber.once('ready', resolve));
    await letIn();
    await reconnected;

    await vi.waitFor(() => expect(missing.events.map((event) => event.type)).toContain('cleared'), SETTLED);
    expect(missing.events.at(-1)).toEqual({ type: 'cleared', reason: 'external' });
    expect(requests).toBe(2); // the re-read requested nothing
    expect(await missing.manager.getAccessToken()).toBe('at-3'); // no refresh token: a new sign-in
    expect(endpoint.spent).toEqual([]); // never invalid_grant
    expect(await storing.manager.getAccessToken()).toBe('at-2');
  });

  it('ends, at its next refresh, a session signed out while its subscriber was cut off (CLIENT KILL, kept out): no token request, nothing written or published', async () => {
    const key = freshKey();
    const redisKey = `tessera:tokens:${key}`;
    const endpoint = rotatingEndpoint(() => 3_600);
    const requests = { signingOut: 0, missing: 0 };
    const counted =
      (name: keyof typeof requests): FetchTokens =>
      (request) => {
        requests[name] += 1;
        return endpoint.fetchTokens(request);
      };
    const signingOut = replica(key, counted('signingOut'), { client: await connect() });
    // The missing replica's subscriber logs in as a user the test switches off: it stays out, so no
    // re-read catches the sign-out up before the refresh.
    await redis.admin.sendCommand(['ACL', 'SETUSER', 'replica-m', 'reset', 'on', '>pw', '+@all', '~*', '&*']);
    cleanups.push(() => redis.admin.sendCommand(['ACL', 'DELUSER', 'replica-m']));
    const subscriber = createClient({
      url: redis.server.url,
      username: 'replica-m',
      password: 'pw',
      socket: { reconnectStrategy: () => 20 },
    });
    subscriber.on('error', () => {});
    await subscriber.connect();
    cleanups.push(() => subscriber.isOpen && subscriber.destroy());
    const missing = replica(key, counted('missing'), { client: await connect(), subscriber });
    expect(await signingOut.manager.getAccessToken()).toBe('at-1');
    expect(await missing.manager.getAccessToken()).toBe('at-1'); // read from Redis, with rt-1

    const observer = await connect(); // opened before: no new connection gets in while replica-m is kept out
    await redis.keepOut('replica-m');
    await signingOut.manager.clear(); // the mark, and its message: lost for the killed connection
    expect(missing.events.map((event) => event.type)).not.toContain('cleared');
    const published: string[] = [];
    await observer.subscribe(redisKey, (message) => published.push(message));

    const refreshing = missing.manager.getAccessToken({ forceRefresh: true });
    await expect(refreshing).rejects.toBeInstanceOf(LoginRequiredError);
    await redis.admin.publish(redisKey, 'end'); // delivered after anything published before it
    await vi.waitFor(() => expect(published).toContain('end'), SETTLED);

    expect(requests).toEqual({ signingOut: 1, missing: 0 }); // rt-1 never sent again
    expect(published).toEqual(['end']);
    expect(await redis.admin.get(redisKey)).toBe(''); // still signed out: nothing written over the mark
    expect(await redis.admin.pTTL(redisKey)).toBeGreaterThan(3_500_000);
    expect(missing.manager.peekTokens()).toBeUndefined();
    expect(missing.events.slice(-2)).toEqual([
      { type: 'cleared', reason: 'external' },
      expect.objectContaining({ type: 'refresh_failed', error: expect.any(LoginRequiredError) }),
    ]);
    expect(missing.cacheEvents).toEqual([]);
    // The replica that signed out has seen its mark: its next sign-in is requested once and stored over it.
    expect(await signingOut.manager.getAccessToken()).toBe('at-2');
    expect(JSON.parse(String(await redis.admin.get(redisKey))).accessToken).toBe('at-2');
    expect(await missing.manager.getAccessToken()).toBe('at-2'); // read from Redis
    expect(requests).toEqual({ signingOut: 2, missing: 0 });
    expect(endpoint.spent).toEqual([]);
  });

  it('subscribes again at the next ready a manager whose SUBSCRIBE node-redis rejected while reconnecting, and hears every set stored after it', async () => {
    const key = freshKey();
    const redisKey = `tessera:tokens:${key}`;
    const fetch = counting();
    const storing = replica(key, fetch.fetchTokens, { client: await connect(), subscriber: await connect() });
    expect(await storing.manager.getAccessToken()).toBe('at-1');
    await redis.admin.sendCommand(['ACL', 'SETUSER', 'replica-s', 'reset', 'on', '>pw', '+@all', '~*', '&*']);
    cleanups.push(() => redis.admin.sendCommand(['ACL', 'DELUSER', 'replica-s']));
    const subscriber = createClient({
      url: redis.server.url,
      username: 'replica-s',
      password: 'pw',
      socket: { reconnectStrategy: () => 20 },
    });
    subscriber.on('error', () => {});
    await subscriber.connect();
    cleanups.push(() => subscriber.isOpen && subscriber.destroy());
    const client = await connect(); // opened before: no new connection gets in while replica-s is kept out

    const letIn = await redis.keepOut('replica-s');
    // Its SUBSCRIBE goes out with a reconnection attempt whose login fails: node-redis rejects it and
    // forgets it (it resubscribes only the channels it holds).
    const late = replica(key, fetch.fetchTokens, { client, subscriber });
    await vi.waitFor(() => expect(late.cacheEvents).not.toEqual([]), SETTLED);
    const reconnected = new Promise((resolve) => subscriber.once('ready', resolve));
    await letIn();
    await reconnected;
    await vi.waitFor(
      async () => expect(await redis.admin.pubSubNumSub(redisKey)).toEqual({ [redisKey]: 2 }),
      SETTLED,
    );

    expect(await storing.manager.getAccessToken({ forceRefresh: true })).toBe('at-2');
    await vi.waitFor(() => expect(late.manager.peekTokens()?.accessToken).toBe('at-2'), SETTLED);
    expect(await late.manager.getAccessToken()).toBe('at-2');
    expect(fetch.calls()).toBe(2);
    expect(late.cacheEvents).toEqual([
      {
        type: 'redis_unavailable',
        operation: 'subscribe',
        error: expect.objectContaining({ reason: 'failed', message: expect.stringContaining(redisKey) }),
      },
    ]);
  });

  it('keeps the sessions of subscribed replicas when Redis restarts empty (no persistence): no cleared, no new sign-in', async () => {
    const restarting = await startRedisServer();
    cleanups.push(() => restarting.stop());
    const open = async (): Promise<NodeRedis> => {
      const client = createClient({ url: restarting.url, socket: { reconnectStrategy: () => 20 } });
      client.on('error', () => {});
      await client.connect();
      cleanups.push(() => client.isOpen && client.destroy());
      return client;
    };
    const key = freshKey();
    const endpoint = rotatingEndpoint(() => 3_600);
    const subscribers = [await open(), await open()];
    const [first, second] = [
      replica(key, endpoint.fetchTokens, { client: await open(), subscriber: subscribers[0]! }),
      replica(key, endpoint.fetchTokens, { client: await open(), subscriber: subscribers[1]! }),
    ];
    expect(await first.manager.getAccessToken()).toBe('at-1');
    expect(await second.manager.getAccessToken()).toBe('at-1'); // read from Redis

    const observer = await open();
    await restarting.restart();
    // Each replica's re-read, one GET once its command connection is back too (the subscriber is
    // often back first: then a retry after 1 s), reached the new, empty redis.server.
    await vi.waitFor(
      async () =>
        expect(String(await observer.sendCommand(['INFO', 'commandstats']))).toContain(
          'cmdstat_get:calls=2,',
        ),
      { timeout: 10_000, interval: 50 },
    );
    await new Promise((resolve) => setImmediate(resolve));

    for (const { events, manager } of [first, second]) {
      expect(events.map((event) => event.type)).not.toContain('cleared');
      expect(manager.peekTokens()).toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-1' });
    }
    expect(await second.manager.getAccessToken({ forceRefresh: true })).toBe('at-2'); // with rt-1
    await vi.waitFor(() => expect(first.manager.peekTokens()?.accessToken).toBe('at-2'), SETTLED); // published
    expect(endpoint.spent).toEqual([]);
  });

  it('drops, once its ioredis subscriber reconnects through the README adapter, a set signed out while that connection was killed', async () => {
    const key = freshKey();
    const fetch = counting();
    const signingOut = replica(key, fetch.fetchTokens, { client: await connect() });
    await redis.admin.sendCommand([
      'ACL',
      'SETUSER',
      'replica-io',
      'reset',
      'on',
      '>pw',
      '+@all',
      '~*',
      '&*',
    ]);
    cleanups.push(() => redis.admin.sendCommand(['ACL', 'DELUSER', 'replica-io']));
    const io = new Redis(redis.server.port, '127.0.0.1', { lazyConnect: true });
    const ioSubscriber = new Redis(redis.server.port, '127.0.0.1', {
      lazyConnect: true,
      username: 'replica-io',
      password: 'pw',
      retryStrategy: () => 20,
    });
    ioSubscriber.on('error', () => {});
    await Promise.all([io.connect(), ioSubscriber.connect()]);
    cleanups.push(() => Promise.all([io.quit(), ioSubscriber.disconnect()]));
    const missing = replica(key, fetch.fetchTokens, {
      client: ioredisClient(io),
      subscriber: ioredisSubscriber(ioSubscriber),
    });
    expect(await signingOut.manager.getAccessToken()).toBe('at-1');
    expect(await missing.manager.getAccessToken()).toBe('at-1');

    const letIn = await redis.keepOut('replica-io');
    await signingOut.manager.clear(); // DEL + PUBLISH '': lost for the killed connection
    expect(missing.events.map((event) => event.type)).not.toContain('cleared');
    await letIn();

    await vi.waitFor(() => expect(missing.events.map((event) => event.type)).toContain('cleared'), SETTLED);
    expect(missing.manager.peekTokens()).toBeUndefined();
    expect(fetch.calls()).toBe(1);
  });

  it("never refreshes a session signed out while its subscriber was killed (CLIENT KILL TYPE pubsub), and refuses a subscriber without on('ready')", async () => {
    const key = freshKey();
    const endpoint = rotatingEndpoint(() => 3_600);
    const sent: Array<string | undefined> = [];
    const subscriber = createClient({ url: redis.server.url, socket: { reconnectStrategy: () => 20 } });
    subscriber.on('error', () => {});
    await subscriber.connect();
    cleanups.push(() => subscriber.isOpen && subscriber.destroy());
    // A custom minimal shape of that connection cannot say it reconnected: refused at creation.
    const minimal = {
      subscribe: (channel: string, listener: (message: string) => void) =>
        subscriber.subscribe(channel, listener),
      unsubscribe: (channel: string, listener: (message: string) => void) =>
        subscriber.unsubscribe(channel, listener),
    };
    expect(() => redisTokenCache({ client: redis.admin, subscriber: minimal as never })).toThrow(TypeError);

    const signingOut = replica(key, endpoint.fetchTokens, { client: await connect() });
    const missing = replica(
      key,
      (request) => {
        sent.push(request.refreshToken);
        return endpoint.fetchTokens(request);
      },
      { client: await connect(), subscriber },
    );
    expect(await signingOut.manager.getAccessToken()).toBe('at-1');
    expect(await missing.manager.getAccessToken()).toBe('at-1'); // read from Redis, with rt-1

    expect(Number(await redis.admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']))).toBe(1);
    await signingOut.manager.clear(); // the mark, and its message (lost unless already resubscribed)
    await vi.waitFor(() => expect(missing.events.map((event) => event.type)).toContain('cleared'), SETTLED);
    expect(missing.manager.peekTokens()).toBeUndefined();

    await missing.manager.getAccessToken({ forceRefresh: true }).catch(() => {});
    expect(sent).not.toContain('rt-1'); // the signed-out session was never refreshed
    expect(endpoint.spent).toEqual([]);
    expect(await redis.admin.get(`tessera:tokens:${key}`)).not.toContain('rt-1');
  });

  it('replaces a planted value over 1 MiB with a write that does not send it back to Redis, and without counting Redis as down', async () => {
    const key = freshKey();
    const redisKey = `tessera:tokens:${key}`;
    const planted = 'x'.repeat(4 * 1024 * 1024);
    await redis.admin.set(redisKey, planted, { expiration: { type: 'PX', value: 600_000 } });
    const received = async (): Promise<number> => {
      const info = String(await redis.admin.sendCommand(['INFO', 'stats']));
      return Number(/total_net_input_bytes:(\d+)/.exec(info)?.[1]);
    };
    const fetch = counting();
    const { manager, cacheEvents } = replica(key, fetch.fetchTokens, { client: await connect() });
    const before = await received();

    expect(await manager.getAccessToken()).toBe('at-1');
    await vi.waitFor(async () => expect(await redis.admin.get(redisKey)).not.toBe(planted), SETTLED);

    expect(JSON.parse(String(await redis.admin.get(redisKey)))).toMatchObject({ accessToken: 'at-1' });
    // The read, the lock, the write of a few hundred bytes: not the 4 MiB value it replaced (a 100 MB one
    // took longer than `timeout` to send, and the write failed, with Redis counted down for a second).
    expect((await received()) - before).toBeLessThan(64 * 1024);
    expect(fetch.calls()).toBe(1);
    expect(cacheEvents.map((event) => event.type)).toEqual(['invalid_entry', 'invalid_entry']);
  });

  it('replaces a planted value over 1 MiB it has never read, instead of being handed it back by its write', async () => {
    const key = freshKey();
    const redisKey = `tessera:tokens:${key}`;
    const fetch = counting(60);
    const { manager, cacheEvents } = replica(key, fetch.fetchTokens, { client: await connect() });
    await manager.getAccessToken();
    // Planted after this replica read the key, living longer than the next set.
    await redis.admin.set(redisKey, 'x'.repeat(2 * 1024 * 1024), {
      expiration: { type: 'PX', value: 600_000 },
    });

    await manager.setTokens({ access_token: 'at-given', expires_in: 120 });
    await vi.waitFor(
      async () =>
        expect(JSON.parse(String(await redis.admin.get(redisKey)))).toMatchObject({
          accessToken: 'at-given',
        }),
      SETTLED,
    );
    expect(cacheEvents).toEqual([]);
    expect(manager.peekTokens()?.accessToken).toBe('at-given');
  });

  it('treats a key of another type (a hash) as an unreadable entry and replaces it, without counting Redis as down for the other keys', async () => {
    const [hashed, other] = [freshKey(), freshKey()];
    await redis.admin.hSet(`tessera:tokens:${hashed}`, 'accessToken', 'planted');
    const client = await connect();
    const first = replica(hashed, counting().fetchTokens, { client });
    const second = replica(other, counting().fetchTokens, { client });

    expect(await first.manager.getAccessToken()).toBe('at-1');
    expect(await second.manager.getAccessToken()).toBe('at-1');

    expect(first.cacheEvents.filter((event) => event.type !== 'invalid_entry')).toEqual([]);
    expect(first.cacheEvents[0]).toMatchObject({ type: 'invalid_entry', error: { reason: 'malformed' } });
    expect(second.cacheEvents).toEqual([]);
    expect(JSON.parse(String(await redis.admin.get(`tessera:tokens:${hashed}`))).accessToken).toBe('at-1');
    expect(await redis.admin.exists(`tessera:tokens:${other}`)).toBe(1);
  });

  it.each([
    ['an array', '[{"accessToken":"planted"}]'],
    ['an object without an access token', '{"refreshToken":"planted"}'],
    ['a JSON string', '"planted"'],
  ])(
    'reports %s stored or published under the key as an unreadable entry (invalid_entry, malformed), requests one token and stores over it',
    async (_, foreign) => {
      const key = freshKey();
      const redisKey = `tessera:tokens:${key}`;
      await redis.admin.set(redisKey, foreign, { expiration: { type: 'PX', value: 3_600_000 } });
      const { fetchTokens, calls } = counting();
      const { manager, events, cacheEvents } = replica(key, fetchTokens, {
        client: await connect(),
        subscriber: await connect(),
      });

      expect(await manager.getAccessToken()).toBe('at-1');
      expect(calls()).toBe(1);
      // Read twice: before the lock, and again under it (core re-reads what another replica may have stored).
      const unreadable = {
        type: 'invalid_entry',
        key: redisKey,
        error: expect.objectContaining({ reason: 'malformed' }),
      };
      expect(cacheEvents).toEqual([unreadable, unreadable]);
      // The manager's storage_error carries the same error, not core's reading of the value.
      const failures = events.filter((event) => event.type === 'storage_error');
      expect(failures).toEqual(
        cacheEvents.map((event) => ({
          type: 'storage_error',
          operation: 'get',
          error: event.type === 'invalid_entry' && event.error,
        })),
      );
      expect(JSON.parse(String(await redis.admin.get(redisKey))).accessToken).toBe('at-1');

      // Published, it changes nothing either: no sign-out, no storage_error, the set is kept.
      await vi.waitFor(async () => {
        const [, subscribers] = (await redis.admin.sendCommand(['PUBSUB', 'NUMSUB', redisKey])) as unknown[];
        expect(subscribers).toBe(1);
      }, SETTLED);
      await redis.admin.publish(redisKey, foreign);
      await vi.waitFor(() => expect(cacheEvents).toHaveLength(3), SETTLED);
      expect(cacheEvents[2]).toEqual(unreadable);
      expect(events.filter((event) => event.type === 'storage_error')).toHaveLength(2);
      expect(events.map((event) => event.type)).not.toContain('cleared');
      expect(await manager.getAccessToken()).toBe('at-1');
      expect(calls()).toBe(1);
    },
  );

  it('never sends the refresh token another replica spent, when the read that met a hash under the key answers after that replica’s new set was heard', async () => {
    const key = freshKey();
    const redisKey = `tessera:tokens:${key}`;
    await redis.admin.hSet(redisKey, 'accessToken', 'planted');
    // The 2nd set has no expiry: unstorable, so its replica deletes the set it replaced (decision 0507).
    const endpoint = rotatingEndpoint((issued) => (issued === 2 ? undefined : 3_600));
    const client = await connect();
    const gets = deferred<void>();
    const answer = deferred<void>();
    // The watching replica's command connection answers its first GET (WRONGTYPE) late: its
    // subscriber hears the set another replica stored over the hash first.
    const watching = replica(key, endpoint.fetchTokens, {
      client: {
        sendCommand: async (args, options) => {
          const reply = client.sendCommand(args, options);
          if (args[0] !== 'GET') return reply;
          gets.resolve();
          await reply.catch(() => {});
          await answer.promise;
          return reply;
        },
      },
      subscriber: await connect(),
    });
    const storing = replica(key, endpoint.fetchTokens, {
      client: await connect(),
      subscriber: await connect(),
    });
    const first = watching.manager.getAccessToken();
    await gets.promise;
    await vi.waitFor(async () => {
      const [, subscribers] = (await redis.admin.sendCommand(['PUBSUB', 'NUMSUB', redisKey])) as unknown[];
      expect(subscribers).toBe(2);
    }, SETTLED);

    expect(await storing.manager.getAccessToken()).toBe('at-1'); // stored over the hash
    await vi.waitFor(() => expect(watching.events.map((event) => event.type)).toContain('synced'), SETTLED);
    answer.resolve();
    expect(await first).toBe('at-1');
    expect(watching.cacheEvents).toEqual([
      expect.objectContaining({
        type: 'invalid_entry',
        error: expect.objectContaining({ reason: 'malformed' }),
      }),
    ]);

    // The storing replica refreshes (rt-1 spent) into a set it cannot share: it deletes at-1 and
    // says so; the watching replica holds at-1 and must not refresh with rt-1.
    expect(await storing.manager.getAccessToken({ forceRefresh: true })).toBe('at-2');
    // Heard: that session ends here too (decision 0507), and rt-1 is never sent again.
    await vi.waitFor(
      () => expect(watching.events.at(-1)).toEqual({ type: 'cleared', reason: 'external' }),
      SETTLED,
    );
    expect(await watching.manager.getAccessToken()).toBe('at-3'); // a new sign-in
    expect(endpoint.spent).toEqual([]);
  });

  it('works for an ACL user with exactly the permissions the README lists', async () => {
    const permissions = '+get +set +del +pttl +publish +eval +subscribe +unsubscribe ~tessera:* &tessera:*';
    await redis.admin.sendCommand([
      'ACL',
      'SETUSER',
      'tessera-only',
      'reset',
      'on',
      '>pw',
      ...permissions.split(' '),
    ]);
    cleanups.push(() => redis.admin.sendCommand(['ACL', 'DELUSER', 'tessera-only']));
    const client = createClient({ url: redis.server.url, username: 'tessera-only', password: 'pw' });
    client.on('error', () => {});
    await client.connect();
    const subscriber = client.duplicate();
    subscriber.on('error', () => {});
    await subscriber.connect();
    cleanups.push(() => Promise.all([client.quit(), subscriber.quit()]));
    const fetch = counting();
    const { manager, cache, events, cacheEvents } = replica(freshKey(), fetch.fetchTokens, {
      client,
      subscriber,
    });

    expect(await manager.getAccessToken()).toBe('at-1');
    expect(await manager.getAccessToken({ forceRefresh: true })).toBe('at-2');
    await manager.clear();
    // A write that meets a set it has not seen compares lifetimes (PTTL inside the script).
    const raced = freshKey();
    const longer = { accessToken: 'longer', tokenType: 'Bearer', expiresAt: Date.now() + 7_200_000 };
    await redis.admin.set(`tessera:tokens:${raced}`, JSON.stringify(longer), {
      expiration: { type: 'PX', value: 7_200_000 },
    });
    await cache.storage(raced).set({ ...longer, accessToken: 'shorter', expiresAt: Date.now() + 60_000 });

    expect(cacheEvents).toEqual([]);
    expect(await redis.admin.get(`tessera:tokens:${raced}`)).toContain('"longer"');
    expect(events.filter((event) => event.type === 'storage_error')).toEqual([]);
    expect(fetch.calls()).toBe(2);
  });

  it('refuses, in the README ioredis adapter, a connection with keyPrefix: its keys and their channels would be prefixed, the subscriptions not, and no replica would hear another sign out', async () => {
    const prefixed = new Redis(redis.server.port, '127.0.0.1', { lazyConnect: true, keyPrefix: 'app:' });
    expect(() => ioredisClient(prefixed)).toThrow(
      'ioredisClient: leave keyPrefix unset (it prefixes keys, not pub/sub channels); use the namespace option',
    );
    prefixed.disconnect();
  });

  it('shares tokens between ioredis and node-redis replicas, through the README adapter', async () => {
    const key = freshKey();
    const io = new Redis(redis.server.port, '127.0.0.1', { lazyConnect: true });
    const ioSubscriber = io.duplicate();
    await Promise.all([io.connect(), ioSubscriber.connect()]);
    cleanups.push(() => Promise.all([io.quit(), ioSubscriber.quit()]));
    const nodeClient = await connect();
    const nodeSubscriber = await connect();
    const fetch = counting();
    const ioReplica = replica(key, fetch.fetchTokens, {
      client: ioredisClient(io),
      subscriber: ioredisSubscriber(ioSubscriber),
    });
    const nodeReplica = replica(key, fetch.fetchTokens, { client: nodeClient, subscriber: nodeSubscriber });

    const tokens = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 ? ioReplica : nodeReplica).manager.getAccessToken()),
    );
    expect(new Set(tokens)).toEqual(new Set(['at-1']));
    expect(fetch.calls()).toBe(1);

    // A forced refresh on one reaches the other over pub/sub, without a read or a request.
    const synced = new Promise((resolve) =>
      nodeReplica.manager.subscribe((event) => event.type === 'synced' && resolve(event)),
    );
    expect(await ioReplica.manager.getAccessToken({ forceRefresh: true })).toBe('at-2');
    await synced;
    expect(nodeReplica.manager.peekTokens()?.accessToken).toBe('at-2');
    expect(fetch.calls()).toBe(2);
  });

  it('never adopts again, nor refreshes with, the set a replica moved past when that set is written back into Redis (a lagging replica, a restored snapshot)', async () => {
    const key = freshKey();
    const redisKey = `tessera:tokens:${key}`;
    const endpoint = rotatingEndpoint(() => 3_600);
    let requests = 0;
    const fetchTokens: FetchTokens = (request) => {
      requests += 1;
      return endpoint.fetchTokens(request);
    };
    let now = Date.now();
    const clock: Clock = () => now;
    const subscribed = async () =>
      replica(key, fetchTokens, { client: await connect(), subscriber: await connect(), clock });
    const a = await subscribed();
    const b = await subscribed();
    expect(await a.manager.getAccessToken()).toBe('at-1');
    expect(await b.manager.getAccessToken()).toBe('at-1'); // read from Redis
    const old = String(await redis.admin.get(redisKey));
    const heard = new Promise((resolve) => b.manager.subscribe((event) => resolve(event.type)));
    expect(await a.manager.getAccessToken({ forceRefresh: true })).toBe('at-2'); // spends rt-1
    expect(await heard).toBe('synced'); // B only heard of at-2

    // The old set comes back, raw, and is published as a late write would be.
    await redis.admin.set(redisKey, old);
    await redis.admin.publish(redisKey, old);
    await redis.admin.ping(); // a round trip after the message reached the subscribers

    expect(await b.manager.getAccessToken()).toBe('at-2');
    expect(await a.manager.getAccessToken()).toBe('at-2');
    now += 3_600_000; // due: B refreshes with rt-2, not the rt-1 Redis holds
    expect(await b.manager.getAccessToken()).toBe('at-3');
    expect(requests).toBe(3);
    expect(endpoint.spent).toEqual([]); // never invalid_grant
    // at-1 heard when A stored it first; never again after at-2.
    expect(b.events.flatMap((event) => (event.type === 'synced' ? [event.tokens.accessToken] : []))).toEqual([
      'at-1',
      'at-2',
    ]);
    expect(JSON.parse(String(await redis.admin.get(redisKey))).accessToken).toBe('at-3');
  });

  it('unsubscribes, at dispose(), the channels of 100 caches made on one shared subscriber while their managers wait for a lock (PUBSUB NUMSUB 0)', async () => {
    const key = freshKey();
    const channels = [`tessera:tokens:${key}`, 'tessera:lock-released'];
    const numsub = async (): Promise<unknown> =>
      (await redis.admin.sendCommand(['PUBSUB', 'NUMSUB', ...channels])) as unknown[];
    const client = await connect();
    const subscriber = await connect();
    const holder = redisTokenCache({ client: await connect() });
    const release = deferred<void>();
    const held = holder.lock.run(`tessera:${key}`, () => release.promise);
    await vi.waitFor(
      async () => expect(await redis.admin.exists(`tessera:lock:tessera:${key}`)).toBe(1),
      SETTLED,
    );
    const { fetchTokens, calls } = counting();
    const tenants = Array.from({ length: 100 }, () => {
      let sent = 0;
      const counted = {
        sendCommand: (args: string[]) => {
          sent += 1;
          return client.sendCommand(args);
        },
      };
      const cache = redisTokenCache({ client: counted, subscriber });
      const manager = new TokenManager({ key, fetchTokens, storage: cache.storage(key), lock: cache.lock });
      cleanups.push(() => manager.dispose());
      return { cache, token: manager.getAccessToken(), sent: () => sent };
    });
    // Each has read the key, been refused the lock, listened for its release and polled again.
    await vi.waitFor(() => expect(tenants.every(({ sent }) => sent() >= 3)).toBe(true), SETTLED);
    expect(await numsub()).toEqual([channels[0], 1, channels[1], 1]);

    for (const { cache } of tenants) cache.dispose();

    await vi.waitFor(async () => expect(await numsub()).toEqual([channels[0], 0, channels[1], 0]), SETTLED);
    release.resolve();
    await held;
    // The managers carry on without it: they poll, one takes the lock and requests, the rest read its set.
    expect(new Set(await Promise.all(tenants.map(({ token }) => token)))).toEqual(new Set(['at-1']));
    expect(calls()).toBe(1);
    expect(await numsub()).toEqual([channels[0], 0, channels[1], 0]);
  });

  it('warns when a node-redis subscriber that was never connected does not answer SUBSCRIBE, and hears its channel once connect() is called', async () => {
    const key = freshKey();
    const { fetchTokens, calls } = counting();
    const subscriber = createClient({ url: redis.server.url });
    subscriber.on('error', () => {});
    cleanups.push(() => subscriber.isOpen && subscriber.quit());
    const late = replica(key, fetchTokens, { client: await connect(), subscriber, timeout: 300 });
    const other = replica(key, fetchTokens, { client: await connect() });

    await vi.waitFor(
      () =>
        expect(late.cacheEvents).toEqual([
          expect.objectContaining({
            type: 'redis_unavailable',
            operation: 'subscribe',
            error: expect.objectContaining({ reason: 'timeout' }),
          }),
        ]),
      SETTLED,
    );
    expect(await other.manager.getAccessToken()).toBe('at-1'); // stored before the subscriber connects

    await subscriber.connect(); // SUBSCRIBE is sent; its first 'ready' re-reads the key
    await vi.waitFor(() => expect(late.manager.peekTokens()?.accessToken).toBe('at-1'), SETTLED);
    expect(await other.manager.getAccessToken({ forceRefresh: true })).toBe('at-2'); // published
    await vi.waitFor(() => expect(late.manager.peekTokens()?.accessToken).toBe('at-2'), SETTLED);
    expect(calls()).toBe(2);
    expect(late.cacheEvents).toHaveLength(1);
  });

  it('reports a SUBSCRIBE that timed out (never connected) and then was refused once connected (NOPERM) twice: the warning, then the cause', async () => {
    const key = freshKey();
    // A Redis user without channel permissions: its SUBSCRIBE is refused once the connection is up.
    await redis.admin.sendCommand(['ACL', 'SETUSER', 'replica-np', 'reset', 'on', '>pw', '+@all', '~*']);
    cleanups.push(() => redis.admin.sendCommand(['ACL', 'DELUSER', 'replica-np']));
    const subscriber = createClient({ url: redis.server.url, username: 'replica-np', password: 'pw' });
    subscriber.on('error', () => {});
    cleanups.push(() => subscriber.isOpen && subscriber.quit());
    const late = replica(key, counting().fetchTokens, { client: await connect(), subscriber, timeout: 300 });
    const reasons = () =>
      late.cacheEvents.map((event) => event.type === 'redis_unavailable' && event.error.reason);
    await vi.waitFor(() => expect(reasons()).toEqual(['timeout']), SETTLED);

    await subscriber.connect(); // SUBSCRIBE is sent, and refused: the timeout's "is the subscriber connected?" is not why
    await vi.waitFor(() => expect(reasons()).toEqual(['timeout', 'failed']), SETTLED);
    expect(late.cacheEvents.at(-1)).toMatchObject({
      operation: 'subscribe',
      error: {
        message: expect.stringMatching(/^Redis subscribe failed \(failed\): channel tessera:tokens:.*NOPERM/),
      },
    });
  });

  it('connects an ioredis subscriber made with lazyConnect at its first SUBSCRIBE, through the README adapter: no warning, every publication heard', async () => {
    const key = freshKey();
    const { fetchTokens, calls } = counting();
    const ioSubscriber = new Redis(redis.server.port, '127.0.0.1', { lazyConnect: true });
    ioSubscriber.on('error', () => {});
    cleanups.push(() => ioSubscriber.quit());
    const lazy = replica(key, fetchTokens, {
      client: await connect(),
      subscriber: ioredisSubscriber(ioSubscriber),
    });
    const other = replica(key, fetchTokens, { client: await connect() });
    await vi.waitFor(
      async () =>
        expect(await redis.admin.sendCommand(['PUBSUB', 'NUMSUB', `tessera:tokens:${key}`])).toEqual([
          `tessera:tokens:${key}`,
          1,
        ]),
      SETTLED,
    );

    expect(await other.manager.getAccessToken()).toBe('at-1'); // published
    await vi.waitFor(() => expect(lazy.manager.peekTokens()?.accessToken).toBe('at-1'), SETTLED);
    expect(calls()).toBe(1);
    expect(lazy.cacheEvents).toEqual([]);
  });
});
