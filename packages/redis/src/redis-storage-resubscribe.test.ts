import { type FetchTokens, LoginRequiredError } from '@tessera/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeRedis } from '../test/fake-redis.js';
import { countingFetch, KEY, REDIS_KEY, replica } from '../test/replica.js';
import { rotatingEndpoint } from '../test/rotating-endpoint.js';
import { WRITE_SCRIPT } from './internal/write-script.js';
import type { RedisCacheEvent } from './redis-cache-event.js';
import type { RedisSubscriber } from './redis-client.js';
import { redisTokenCache } from './redis-token-cache.js';

/**
 * Two replicas on one Redis, the second (`missing`) subscribed through `subscriber`, which the test
 * disconnects; both hold `at-1`, the second read from Redis.
 */
async function twoReplicas(
  redis: FakeRedis,
  fetchTokens: Parameters<typeof replica>[1],
  options: Parameters<typeof replica>[2] = {},
) {
  const other = replica(redis, fetchTokens, options);
  const subscriber = redis.subscriber();
  const missing = replica(redis, fetchTokens, { ...options, subscriber });
  expect(await other.manager.getAccessToken()).toBe('at-1');
  expect(await missing.manager.getAccessToken()).toBe('at-1');
  return { other, subscriber, missing };
}

const HOUR = 3_600_000;

/**
 * A cache on `subscriber` with its events, and `waitForLock()`: a lock run that waits for lock
 * `held` (another replica's), so it subscribes to the lock-released channel; `'ran'` after `lockWait`.
 */
function lockWaiter(redis: FakeRedis, subscriber: RedisSubscriber) {
  const events: RedisCacheEvent[] = [];
  const cache = redisTokenCache({
    client: redis.client(),
    subscriber,
    lockWait: 50,
    onEvent: (event) => events.push(event),
  });
  const waitForLock = () => {
    redis.put('tessera:lock:held', 'another replica');
    return cache.lock.run('held', async () => 'ran');
  };
  return { events, cache, waitForLock };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('redisTokenCache storage, after the subscriber reconnects', () => {
  it('drops a set another replica signed out while its subscriber was disconnected, without a token request', async () => {
    const redis = new FakeRedis();
    const fetch = countingFetch();
    const { other: signingOut, subscriber, missing } = await twoReplicas(redis, fetch.fetchTokens);

    subscriber.disconnect();
    await signingOut.manager.clear(); // DEL + PUBLISH '': not heard
    await vi.advanceTimersByTimeAsync(0);
    expect(missing.events.map((event) => event.type)).toEqual(['synced']);
    const gets = redis.count('GET');
    subscriber.reconnect();
    await vi.advanceTimersByTimeAsync(0);

    expect(missing.events.map((event) => event.type)).toEqual(['synced', 'cleared']);
    expect(missing.events.at(-1)).toEqual({ type: 'cleared', reason: 'external' });
    // The storage's re-read, then the manager's check that the removed set is gone (core decision 0007).
    expect(redis.count('GET') - gets).toBe(2);
    expect(fetch.calls()).toBe(1);
    expect(missing.cacheEvents).toEqual([]);
  });

  it('drops a set an unstorable one replaced while its subscriber was disconnected, so it never refreshes with the spent refresh token', async () => {
    const redis = new FakeRedis();
    const endpoint = rotatingEndpoint((issued) => (issued === 1 ? 3_600 : undefined));
    const { other: storing, subscriber, missing } = await twoReplicas(redis, endpoint.fetchTokens);

    subscriber.disconnect();
    expect(await storing.manager.getAccessToken({ forceRefresh: true })).toBe('at-2'); // spends rt-1
    subscriber.reconnect();
    await vi.advanceTimersByTimeAsync(0);

    expect(missing.events.at(-1)).toEqual({ type: 'cleared', reason: 'external' });
    expect(await missing.manager.getAccessToken({ forceRefresh: true })).toBe('at-3'); // a new sign-in
    expect(endpoint.spent).toEqual([]);
  });

  it('adopts a set stored while its subscriber was disconnected, without a token request', async () => {
    const redis = new FakeRedis();
    const fetch = countingFetch();
    const { other: storing, subscriber, missing } = await twoReplicas(redis, fetch.fetchTokens);

    subscriber.disconnect();
    expect(await storing.manager.getAccessToken({ forceRefresh: true })).toBe('at-2');
    subscriber.reconnect();
    await vi.advanceTimersByTimeAsync(0);

    expect(missing.events.at(-1)).toMatchObject({ type: 'synced', tokens: { accessToken: 'at-2' } });
    expect(await missing.manager.getAccessToken()).toBe('at-2');
    expect(fetch.calls()).toBe(2);
  });

  it('keeps its session when Redis lost the key (a restart without persistence, a flush) while its subscriber was disconnected', async () => {
    const redis = new FakeRedis();
    const endpoint = rotatingEndpoint(() => 3_600);
    const subscriber = redis.subscriber();
    const kept = replica(redis, endpoint.fetchTokens, { subscriber });
    expect(await kept.manager.getAccessToken()).toBe('at-1');

    subscriber.disconnect();
    await redis.client().sendCommand(['DEL', REDIS_KEY]); // Redis restarted empty: no replica removed it
    subscriber.reconnect();
    await vi.advanceTimersByTimeAsync(0);

    expect(kept.events.map((event) => event.type)).not.toContain('cleared');
    expect(kept.manager.peekTokens()).toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-1' });
    expect(await kept.manager.getAccessToken({ forceRefresh: true })).toBe('at-2'); // rt-1, no new sign-in
    expect(endpoint.spent).toEqual([]);
  });

  it('drops a set without expiry (ttlWithoutExpiry) that another replica signed out while its subscriber was disconnected', async () => {
    const redis = new FakeRedis();
    let calls = 0;
    const fetch = {
      fetchTokens: async () => ({ access_token: `at-${++calls}` }), // no expires_in: no expiry
      calls: () => calls,
    };
    const {
      other: signingOut,
      subscriber,
      missing,
    } = await twoReplicas(redis, fetch.fetchTokens, { ttlWithoutExpiry: HOUR });

    subscriber.disconnect();
    await signingOut.manager.clear();
    await vi.advanceTimersByTimeAsync(0); // its message is lost
    expect(missing.manager.peekTokens()).toMatchObject({ accessToken: 'at-1' });
    subscriber.reconnect();
    await vi.advanceTimersByTimeAsync(0);

    expect(missing.events.at(-1)).toEqual({ type: 'cleared', reason: 'external' });
    expect(missing.manager.peekTokens()).toBeUndefined();
    expect(fetch.calls()).toBe(1);
    // The sign-out's mark holds no set: the next write stores over it at once.
    expect(await missing.manager.getAccessToken()).toBe('at-2');
    expect(JSON.parse(redis.peek(REDIS_KEY) ?? '{}')).toMatchObject({ accessToken: 'at-2' });
    expect(missing.cacheEvents).toEqual([]);
  });

  it('reads again once the command connection is back, when the subscriber reconnected first (not_ready), and drops the signed-out set', async () => {
    const redis = new FakeRedis();
    const fetch = countingFetch();
    const { other: signingOut, subscriber, missing } = await twoReplicas(redis, fetch.fetchTokens);
    subscriber.disconnect();
    await signingOut.manager.clear();
    await vi.advanceTimersByTimeAsync(0); // its message is lost

    redis.ready = false; // both connections were cut; the subscriber is back first
    subscriber.reconnect();
    await vi.advanceTimersByTimeAsync(0);
    expect(missing.cacheEvents).toMatchObject([
      { type: 'redis_unavailable', error: { reason: 'not_ready' } },
    ]);
    expect(missing.manager.peekTokens()).toMatchObject({ accessToken: 'at-1' });
    redis.ready = true;
    await vi.advanceTimersByTimeAsync(1_000);

    expect(missing.events.at(-1)).toEqual({ type: 'cleared', reason: 'external' });
    expect(fetch.calls()).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('tries a re-read Redis does not answer 5 more times over 31 s, then leaves it to the next refresh; dispose() clears the retry', async () => {
    const redis = new FakeRedis();
    const subscriber = redis.subscriber();
    const { manager } = replica(redis, countingFetch().fetchTokens, { subscriber });
    expect(await manager.getAccessToken()).toBe('at-1');
    const gets = redis.count('GET');
    redis.mode = 'fail';

    subscriber.reconnect();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(redis.count('GET') - gets).toBe(6);
    expect(vi.getTimerCount()).toBe(0);

    subscriber.reconnect(); // a new reconnection: a new series
    await vi.advanceTimersByTimeAsync(1_500);
    expect(redis.count('GET') - gets).toBe(8);
    expect(vi.getTimerCount()).toBe(1);
    manager.dispose();
    expect(vi.getTimerCount()).toBe(0);
    expect(manager.peekTokens()).toMatchObject({ accessToken: 'at-1' });
  });

  it('refuses the command client itself as subscriber at creation: once subscribed it runs no other command, and every replica would request its own token', () => {
    const redis = new FakeRedis();
    const client = Object.assign(redis.client(), redis.subscriber()); // a node-redis client has both shapes
    expect(() => redisTokenCache({ client, subscriber: client })).toThrow(
      'redisTokenCache: subscriber must be a second connection (client.duplicate()), not the client itself',
    );
    expect(() => redisTokenCache({ client, subscriber: redis.subscriber() })).not.toThrow();
  });

  it("refuses a subscriber without on('ready') at creation: its reconnections would go unseen, and an idle replica refresh a signed-out session", async () => {
    const redis = new FakeRedis();
    const client = redis.client();
    const full = redis.subscriber();
    const minimal = { subscribe: full.subscribe.bind(full), unsubscribe: full.unsubscribe.bind(full) };
    expect(() => redisTokenCache({ client, subscriber: minimal as never })).toThrow(
      "redisTokenCache: subscriber must have on('ready', listener) to catch up after a reconnection (node-redis has it; ioredis: the README's adapter)",
    );
    expect(() => redisTokenCache({ client, subscriber: {} as never })).toThrow(TypeError);

    // The same connection with its 'ready' event: a replica idle for longer than the signed-out
    // set's life (its mark expired with it) still never sends that set's refresh token.
    const endpoint = rotatingEndpoint(() => 60);
    const sent: Array<string | undefined> = [];
    const signingOut = replica(redis, endpoint.fetchTokens);
    const missing = replica(
      redis,
      (request) => {
        sent.push(request.refreshToken);
        return endpoint.fetchTokens(request);
      },
      { subscriber: full },
    );
    expect(await signingOut.manager.getAccessToken()).toBe('at-1');
    expect(await missing.manager.getAccessToken()).toBe('at-1');
    full.disconnect();
    await signingOut.manager.clear();
    full.reconnect();
    await vi.advanceTimersByTimeAsync(61_000); // the mark is gone

    expect(missing.manager.peekTokens()).toBeUndefined();
    expect(missing.events.map((event) => event.type)).toContain('cleared');
    await missing.manager.getAccessToken().catch(() => {});
    expect(sent).not.toContain('rt-1');
    expect(endpoint.spent).toEqual([]);
  });

  it('keeps a set whose Redis copy merely expired, and refreshes it with its refresh token', async () => {
    const redis = new FakeRedis();
    const endpoint = rotatingEndpoint(() => 60);
    const subscriber = redis.subscriber();
    const idle = replica(redis, endpoint.fetchTokens, { subscriber });
    expect(await idle.manager.getAccessToken()).toBe('at-1');

    await vi.advanceTimersByTimeAsync(61_000); // the key expires in Redis with the access token
    subscriber.reconnect();
    await vi.advanceTimersByTimeAsync(0);

    expect(idle.events.map((event) => event.type)).not.toContain('cleared');
    expect(await idle.manager.getAccessToken()).toBe('at-2'); // refreshed with rt-1, no new sign-in
    expect(endpoint.spent).toEqual([]);
  });

  it('re-reads each of 300 subscribed keys once per reconnection, through one ready listener', async () => {
    const redis = new FakeRedis();
    const subscriber = redis.subscriber();
    const on = vi.spyOn(subscriber, 'on');
    const off = vi.spyOn(subscriber, 'off');
    const cache = redisTokenCache({ client: redis.client(), subscriber });
    const unsubscribes = Array.from({ length: 300 }, (_, index) =>
      cache.storage(`${KEY}${index}`).subscribe?.(() => {}),
    );
    const gets = redis.count('GET');

    subscriber.reconnect();
    subscriber.reconnect(); // while the first re-reads are pending: one more read each, not a queue
    subscriber.reconnect();
    await vi.advanceTimersByTimeAsync(0);

    expect(redis.count('GET') - gets).toBe(600);
    expect(on).toHaveBeenCalledTimes(1);
    for (const unsubscribe of unsubscribes) unsubscribe?.();
    expect(off).toHaveBeenCalledTimes(1);
  });

  it('adds its ready listener once to a subscriber without off, however often its keys are subscribed and unsubscribed', async () => {
    const redis = new FakeRedis();
    const { off: _off, ...subscriber } = redis.subscriber();
    const on = vi.spyOn(subscriber, 'on');
    const cache = redisTokenCache({ client: redis.client(), subscriber });
    for (let cycle = 0; cycle < 5; cycle += 1) cache.storage(KEY).subscribe?.(() => {})?.();
    cache.storage(KEY).subscribe?.(() => {});
    const gets = redis.count('GET');

    subscriber.reconnect();
    await vi.advanceTimersByTimeAsync(0);

    expect(on).toHaveBeenCalledTimes(1);
    expect(redis.count('GET') - gets).toBe(1); // one re-read, not one per past subscription
  });

  it('sends a storage SUBSCRIBE that was rejected (its connection dropping) again at each ready until one is answered, then hears the sets stored after it', async () => {
    const redis = new FakeRedis();
    const fetch = countingFetch();
    const storing = replica(redis, fetch.fetchTokens);
    const subscriber = redis.subscriber();
    subscriber.refusing = true;
    const subscribe = vi.spyOn(subscriber, 'subscribe');
    const late = replica(redis, fetch.fetchTokens, { subscriber });
    expect(await storing.manager.getAccessToken()).toBe('at-1');
    expect(await late.manager.getAccessToken()).toBe('at-1');
    expect(await storing.manager.getAccessToken({ forceRefresh: true })).toBe('at-2'); // not heard

    subscriber.reconnect(); // still refusing: sent once more, reported once more
    await vi.advanceTimersByTimeAsync(0);
    subscriber.refusing = false;
    subscriber.reconnect();
    await vi.advanceTimersByTimeAsync(0);
    expect(late.events.at(-1)).toMatchObject({ type: 'synced' }); // at-2, read back
    expect(await storing.manager.getAccessToken({ forceRefresh: true })).toBe('at-3');
    await vi.advanceTimersByTimeAsync(0);

    expect(await late.manager.getAccessToken()).toBe('at-3'); // heard, no token request of its own
    expect(fetch.calls()).toBe(3);
    expect(subscribe.mock.calls.filter(([channel]) => channel === REDIS_KEY)).toHaveLength(3);
    expect(
      late.cacheEvents.map((event) => event.type === 'redis_unavailable' && event.error.message),
    ).toEqual([
      `Redis subscribe failed (failed): channel ${REDIS_KEY}: The client is offline`,
      `Redis subscribe failed (failed): channel ${REDIS_KEY}: The client is offline`,
    ]);
    late.manager.dispose();
    subscriber.reconnect(); // nothing left to send again
    await vi.advanceTimersByTimeAsync(0);
    expect(subscribe).toHaveBeenCalledTimes(3);
  });

  it('reports a SUBSCRIBE and the UNSUBSCRIBE after it that both fail alike once, for a storage and for the lock', async () => {
    const redis = new FakeRedis();
    const subscriber = redis.subscriber();
    subscriber.refusing = true;
    const { events, cache, waitForLock } = lockWaiter(redis, subscriber);
    const unsubscribe = cache.storage(KEY).subscribe?.(() => {});
    const ran = waitForLock();
    await vi.advanceTimersByTimeAsync(100);
    expect(await ran).toBe('ran');

    unsubscribe?.(); // UNSUBSCRIBE refused too: the same cause, already reported
    cache.dispose();
    await vi.advanceTimersByTimeAsync(0);

    expect(events.map((event) => event.type === 'redis_unavailable' && event.error.message)).toEqual([
      `Redis subscribe failed (failed): channel ${REDIS_KEY}: The client is offline`,
      'Redis subscribe failed (failed): channel tessera:lock-released: The client is offline',
      false, // lock_timeout
    ]);
  });

  it('never throws from a manager or the lock for a custom subscriber whose subscribe throws at once or returns no promise: a redis_unavailable event, sent again at ready', async () => {
    const redis = new FakeRedis();
    const fetch = countingFetch();
    const connection = redis.subscriber();
    let closed = true;
    // A hand-written subscriber (plain JavaScript): throws while closed, returns nothing once open.
    const subscriber = {
      ...connection,
      subscribe: vi.fn((channel: string, listener: (message: string, channel: string) => void) => {
        if (closed) throw new Error('The subscriber is closed');
        void connection.subscribe(channel, listener);
      }),
      unsubscribe: vi.fn(() => {
        throw new Error('The subscriber is closed');
      }),
    } as never;
    const storing = replica(redis, fetch.fetchTokens);
    const late = replica(redis, fetch.fetchTokens, { subscriber }); // its manager subscribes here
    expect(await late.manager.getAccessToken()).toBe('at-1');
    const { events, cache, waitForLock } = lockWaiter(redis, subscriber);
    const ran = waitForLock();
    await vi.advanceTimersByTimeAsync(100);
    expect(await ran).toBe('ran');
    expect(
      late.cacheEvents.map((event) => event.type === 'redis_unavailable' && event.error.message),
    ).toEqual([`Redis subscribe failed (failed): channel ${REDIS_KEY}: The subscriber is closed`]);
    expect(events.map((event) => event.type === 'redis_unavailable' && event.error.message)).toEqual([
      'Redis subscribe failed (failed): channel tessera:lock-released: The subscriber is closed',
      false, // lock_timeout
    ]);

    closed = false;
    connection.reconnect(); // sent again: answered (no promise), so the stored sets are heard
    await vi.advanceTimersByTimeAsync(0);
    expect(await storing.manager.getAccessToken({ forceRefresh: true })).toBe('at-2');
    await vi.advanceTimersByTimeAsync(0);
    expect(late.manager.peekTokens()?.accessToken).toBe('at-2');
    expect(() => late.manager.dispose()).not.toThrow(); // its UNSUBSCRIBE throws: failed, not thrown
    expect(() => cache.dispose()).not.toThrow();
    await vi.advanceTimersByTimeAsync(0);
    expect(late.cacheEvents.at(-1)).toMatchObject({ type: 'redis_unavailable', operation: 'subscribe' });
    expect(late.cacheEvents).toHaveLength(2); // the UNSUBSCRIBE's failure after an answered SUBSCRIBE
    expect(fetch.calls()).toBe(2);
  });

  it('never ends a session for JSON null another program publishes or stores under its key: an unreadable entry, not a sign-out', async () => {
    const redis = new FakeRedis();
    const endpoint = rotatingEndpoint(() => 3_600);
    const { other: writer, subscriber, missing } = await twoReplicas(redis, endpoint.fetchTokens);

    subscriber.disconnect();
    await redis.client().sendCommand(['PUBLISH', REDIS_KEY, 'null']); // heard by the writer
    redis.put(REDIS_KEY, 'null', HOUR); // read back by the missing replica's re-read
    subscriber.reconnect();
    await vi.advanceTimersByTimeAsync(0);

    for (const { events } of [writer, missing])
      expect(events.map((event) => event.type)).not.toContain('cleared');
    for (const { cacheEvents } of [writer, missing]) {
      expect(cacheEvents.map((event) => event.type === 'invalid_entry' && event.error.reason)).toEqual([
        'malformed',
      ]);
    }
    expect(await missing.manager.getAccessToken()).toBe('at-1'); // its session, refresh token and all
    expect(missing.manager.peekTokens()?.refreshToken).toBe('rt-1');
  });

  it('refuses a stored value over 1 MiB unparsed, as an unreadable entry, and requests a new token', async () => {
    const redis = new FakeRedis();
    const fetch = countingFetch();
    redis.put(REDIS_KEY, `{"accessToken":"${'x'.repeat(2 ** 21)}"}`, HOUR);
    const parse = vi.spyOn(JSON, 'parse');
    const { manager, cacheEvents } = replica(redis, fetch.fetchTokens, { subscribe: false });

    expect(await manager.getAccessToken()).toBe('at-1');
    expect(parse.mock.calls.filter(([text]) => String(text).length > 2 ** 20)).toEqual([]);
    parse.mockRestore();
    expect(cacheEvents[0]).toMatchObject({ type: 'invalid_entry', error: { reason: 'too_large' } });
    expect(fetch.calls()).toBe(1);
  });
});

describe('redisTokenCache storage, a removal mark read by a replica that missed it (its subscriber down, no re-read yet)', () => {
  it('ends, at its next refresh, a session another replica signed out while its subscriber was disconnected: no token request, nothing written', async () => {
    const redis = new FakeRedis();
    const endpoint = rotatingEndpoint(() => 3_600);
    const requests = new Map<string, number>();
    const counted =
      (name: string): FetchTokens =>
      (request) => {
        requests.set(name, (requests.get(name) ?? 0) + 1);
        return endpoint.fetchTokens(request);
      };
    const signingOut = replica(redis, counted('signingOut'));
    const subscriber = redis.subscriber();
    const missing = replica(redis, counted('missing'), { subscriber });
    expect(await signingOut.manager.getAccessToken()).toBe('at-1');
    expect(await missing.manager.getAccessToken()).toBe('at-1'); // read from Redis, with rt-1

    subscriber.disconnect(); // and stays so: no re-read has happened yet
    await signingOut.manager.clear();
    await vi.advanceTimersByTimeAsync(0); // its message is lost
    expect(missing.manager.peekTokens()).toMatchObject({ refreshToken: 'rt-1' });
    const [writes, publishedBefore] = [redis.countScript(WRITE_SCRIPT), redis.count('PUBLISH')];

    const refreshing = missing.manager.getAccessToken({ forceRefresh: true });
    await expect(refreshing).rejects.toBeInstanceOf(LoginRequiredError);
    await vi.advanceTimersByTimeAsync(0);

    expect(requests.get('missing') ?? 0).toBe(0); // rt-1 was never sent
    expect(redis.countScript(WRITE_SCRIPT) - writes).toBe(0);
    expect(redis.count('PUBLISH') - publishedBefore).toBe(0);
    expect(redis.peek(REDIS_KEY)).toBe(''); // still signed out
    // As for a sign-out heard through pub/sub: the set dropped, `cleared`, then the refresh's callers refused.
    expect(missing.manager.peekTokens()).toBeUndefined();
    expect(missing.events.slice(-2)).toEqual([
      { type: 'cleared', reason: 'external' },
      expect.objectContaining({ type: 'refresh_failed', error: expect.any(LoginRequiredError) }),
    ]);
    expect(missing.cacheEvents).toEqual([]);
    expect(endpoint.spent).toEqual([]);
  });

  it('ends, at its next refresh, a missed signed-out session it read in the OAuth response form (refresh_token): no token request', async () => {
    const redis = new FakeRedis();
    // Stored by another writer (a script, another SDK) as the token endpoint answered it.
    redis.put(
      REDIS_KEY,
      JSON.stringify({ access_token: 'at-0', token_type: 'Bearer', refresh_token: 'rt-0' }),
    );
    const fetch = countingFetch();
    const signingOut = replica(redis, fetch.fetchTokens);
    const subscriber = redis.subscriber();
    const missing = replica(redis, fetch.fetchTokens, { subscriber });
    expect(await missing.manager.getAccessToken()).toBe('at-0'); // read from Redis, with rt-0
    expect(missing.manager.peekTokens()).toMatchObject({ refreshToken: 'rt-0' });

    subscriber.disconnect();
    await signingOut.manager.clear();
    await vi.advanceTimersByTimeAsync(0);
    const refreshing = missing.manager.getAccessToken({ forceRefresh: true });
    await expect(refreshing).rejects.toBeInstanceOf(LoginRequiredError);

    expect(fetch.calls()).toBe(0); // rt-0 was never sent
    expect(redis.peek(REDIS_KEY)).toBe(''); // still signed out
    expect(missing.events.slice(-2)).toEqual([
      { type: 'cleared', reason: 'external' },
      expect.objectContaining({ type: 'refresh_failed', error: expect.any(LoginRequiredError) }),
    ]);
  });

  it('ends, at its next refresh, a missed signed-out session when the last value it saw there was unreadable: no token request', async () => {
    const redis = new FakeRedis();
    const endpoint = rotatingEndpoint(() => 3_600);
    let missingRequests = 0;
    const signingOut = replica(redis, endpoint.fetchTokens);
    const subscriber = redis.subscriber();
    const missing = replica(
      redis,
      (request) => {
        missingRequests += 1;
        return endpoint.fetchTokens(request);
      },
      { subscriber },
    );
    expect(await signingOut.manager.getAccessToken()).toBe('at-1');
    expect(await missing.manager.getAccessToken()).toBe('at-1'); // read from Redis, with rt-1
    // A value it cannot read reaches it: reported, and its managers keep at-1 and rt-1.
    await redis.client().sendCommand(['PUBLISH', REDIS_KEY, '{not json']);
    await vi.advanceTimersByTimeAsync(0);
    expect(missing.cacheEvents.map((event) => event.type)).toEqual(['invalid_entry']);
    expect(missing.manager.peekTokens()).toMatchObject({ refreshToken: 'rt-1' });

    subscriber.disconnect();
    await signingOut.manager.clear();
    await vi.advanceTimersByTimeAsync(0);
    const refreshing = missing.manager.getAccessToken({ forceRefresh: true });
    await expect(refreshing).rejects.toBeInstanceOf(LoginRequiredError);

    expect(missingRequests).toBe(0); // rt-1 was never sent
    expect(redis.peek(REDIS_KEY)).toBe('');
    expect(missing.manager.peekTokens()).toBeUndefined();
    expect(endpoint.spent).toEqual([]);
  });

  it('lets a client-credentials replica that missed a sign-out fetch one token at its next refresh and store it over the mark', async () => {
    const redis = new FakeRedis();
    const fetch = countingFetch(); // no refresh token: nothing of the removed set is sent again
    const { other: signingOut, subscriber, missing } = await twoReplicas(redis, fetch.fetchTokens);
    subscriber.disconnect();
    await signingOut.manager.clear();
    await vi.advanceTimersByTimeAsync(0); // its message is lost
    const writes = redis.countScript(WRITE_SCRIPT);

    expect(await missing.manager.getAccessToken({ forceRefresh: true })).toBe('at-2');
    await vi.advanceTimersByTimeAsync(0);

    expect(fetch.calls()).toBe(2);
    expect(redis.countScript(WRITE_SCRIPT) - writes).toBe(1);
    expect(JSON.parse(redis.peek(REDIS_KEY) ?? '{}')).toMatchObject({ accessToken: 'at-2' });
    expect(missing.events.map((event) => event.type)).toEqual(['synced', 'refreshed']);
    expect(await signingOut.manager.getAccessToken()).toBe('at-2'); // adopted through pub/sub
    expect(fetch.calls()).toBe(2);
  });

  it('leaves a replica that heard the sign-out as it was: its next sign-in is requested once and stored over the mark', async () => {
    const redis = new FakeRedis();
    const endpoint = rotatingEndpoint(() => 3_600);
    let requests = 0;
    const fetchTokens: FetchTokens = (request) => {
      requests += 1;
      return endpoint.fetchTokens(request);
    };
    const { other: signingOut, missing: heard } = await twoReplicas(redis, fetchTokens);
    await signingOut.manager.clear();
    await vi.advanceTimersByTimeAsync(0);
    expect(heard.events.at(-1)).toEqual({ type: 'cleared', reason: 'external' });

    expect(await heard.manager.getAccessToken()).toBe('at-2'); // no refresh token: a new sign-in
    await vi.advanceTimersByTimeAsync(0);

    expect(requests).toBe(2);
    expect(JSON.parse(redis.peek(REDIS_KEY) ?? '{}')).toMatchObject({ accessToken: 'at-2' });
    expect(heard.events.filter((event) => event.type === 'cleared')).toHaveLength(1);
    expect(heard.events.map((event) => event.type)).not.toContain('refresh_failed');
    expect(endpoint.spent).toEqual([]);
  });
});
