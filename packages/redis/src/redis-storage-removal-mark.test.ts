import { type FetchTokens, LoginRequiredError } from '@tessera/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeRedis } from '../test/fake-redis.js';
import { countingFetch, deferred, KEY, REDIS_KEY, replica } from '../test/replica.js';
import { rotatingEndpoint } from '../test/rotating-endpoint.js';
import { redisTokenCache } from './redis-token-cache.js';

const HOUR = 3_600_000;

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('redisTokenCache storage, a write that reaches Redis after a removal', () => {
  it('never resurrects a signed-out set: a refresh that lost the race to a sign-out is refused and its replica signs out too', async () => {
    const redis = new FakeRedis();
    const endpoint = rotatingEndpoint(() => 3_600);
    let gate: Promise<void> | undefined;
    // The slow replica's token request: answered only after the sign-out reached Redis.
    const slowFetch: FetchTokens = async (request) => {
      await gate;
      return endpoint.fetchTokens(request);
    };
    // No subscriber: the sign-out's message never reaches it (disconnected, or simply too late).
    const slow = replica(redis, slowFetch, { subscribe: false });
    const signingOut = replica(redis, endpoint.fetchTokens);
    const watching = replica(redis, endpoint.fetchTokens);
    expect(await slow.manager.getAccessToken()).toBe('at-1');
    expect(await signingOut.manager.getAccessToken()).toBe('at-1'); // read from Redis
    expect(await watching.manager.getAccessToken()).toBe('at-1');

    const answer = deferred<void>();
    gate = answer.promise;
    const refreshing = slow.manager.getAccessToken({ forceRefresh: true });
    refreshing.catch(() => {});
    await vi.advanceTimersByTimeAsync(0); // its request (with rt-1) is out
    await signingOut.manager.clear();
    await vi.advanceTimersByTimeAsync(0);
    expect(watching.events.at(-1)).toEqual({ type: 'cleared', reason: 'external' });
    answer.resolve();

    await expect(refreshing).rejects.toBeInstanceOf(LoginRequiredError);
    await vi.advanceTimersByTimeAsync(0);
    expect(redis.peek(REDIS_KEY)).toBe(''); // still signed out
    // Its manager ends the session as for a sign-out heard through pub/sub.
    expect(slow.events.slice(-2)).toEqual([
      { type: 'cleared', reason: 'external' },
      expect.objectContaining({ type: 'refresh_failed', error: expect.any(LoginRequiredError) }),
    ]);
    expect(watching.events.map((event) => event.type)).toEqual(['synced', 'cleared']);
    expect(signingOut.events.map((event) => event.type)).toEqual(['synced', 'cleared']);
    await expect(slow.manager.getAccessToken()).resolves.toBe('at-3'); // a new sign-in, stored over the mark it saw
    expect(JSON.parse(redis.peek(REDIS_KEY) ?? '{}')).toMatchObject({ accessToken: 'at-3' });
  });

  it('stores the next set of a replica whose set another replica replaced and marked removed (decision 0507): one request each', async () => {
    const redis = new FakeRedis();
    const endpoint = rotatingEndpoint((issued) => (issued === 2 ? undefined : 3_600));
    let requests = 0;
    const fetchTokens: FetchTokens = (request) => {
      requests += 1;
      return endpoint.fetchTokens(request);
    };
    const storing = replica(redis, fetchTokens);
    const adopting = replica(redis, fetchTokens);
    expect(await storing.manager.getAccessToken()).toBe('at-1');
    expect(await adopting.manager.getAccessToken()).toBe('at-1'); // read from Redis
    expect(await storing.manager.getAccessToken({ forceRefresh: true })).toBe('at-2'); // no expiry: marks at-1 replaced
    await vi.advanceTimersByTimeAsync(0);
    expect(redis.peek(REDIS_KEY)).toBe('');
    expect(adopting.events.at(-1)).toEqual({ type: 'cleared', reason: 'external' });

    expect(await adopting.manager.getAccessToken()).toBe('at-3'); // a new sign-in, stored over the mark
    await vi.advanceTimersByTimeAsync(0);
    expect(JSON.parse(redis.peek(REDIS_KEY) ?? '{}')).toMatchObject({ accessToken: 'at-3' });
    const late = replica(redis, fetchTokens);
    expect(await late.manager.getAccessToken()).toBe('at-3'); // read from Redis
    expect(requests).toBe(3);
    expect(endpoint.spent).toEqual([]);
  });

  it('lets client credentials get and store a token after a sign-out it heard: one request, shared', async () => {
    const redis = new FakeRedis();
    const fetch = countingFetch();
    const signingOut = replica(redis, fetch.fetchTokens);
    const other = replica(redis, fetch.fetchTokens);
    expect(await signingOut.manager.getAccessToken()).toBe('at-1');
    expect(await other.manager.getAccessToken()).toBe('at-1');
    await signingOut.manager.clear();
    await vi.advanceTimersByTimeAsync(0);
    expect(other.events.at(-1)).toEqual({ type: 'cleared', reason: 'external' });

    expect(await other.manager.getAccessToken()).toBe('at-2');
    await vi.advanceTimersByTimeAsync(0);
    expect(await signingOut.manager.getAccessToken()).toBe('at-2'); // adopted through pub/sub
    expect(JSON.parse(redis.peek(REDIS_KEY) ?? '{}')).toMatchObject({ accessToken: 'at-2' });
    expect(redis.pttl(REDIS_KEY)).toBe(HOUR);
    expect(fetch.calls()).toBe(2);
  });
  it('stores a set given to a storage right after it heard its set replaced and marked (setTokens(), no read between)', async () => {
    const redis = new FakeRedis();
    const storage = () =>
      redisTokenCache({ client: redis.client(), subscriber: redis.subscriber() }).storage(KEY);
    const [storing, dropped] = [storage(), storage()];
    const heard: unknown[] = [];
    dropped.subscribe?.((tokens) => heard.push(tokens));
    const set = (accessToken: string) => ({
      accessToken,
      refreshToken: `rt-${accessToken}`,
      tokenType: 'Bearer',
      expiresAt: Date.now() + HOUR,
    });
    await storing.set(set('first'));
    await vi.advanceTimersByTimeAsync(0);
    await storing.set({ accessToken: 'forever', refreshToken: 'rt-forever', tokenType: 'Bearer' });
    await vi.advanceTimersByTimeAsync(0);
    expect(redis.peek(REDIS_KEY)).toBe(''); // first's mark

    await dropped.set(set('next'));
    await vi.advanceTimersByTimeAsync(0);

    expect(JSON.parse(redis.peek(REDIS_KEY) ?? '{}')).toMatchObject({ accessToken: 'next' });
    expect(heard).toEqual([
      expect.objectContaining({ accessToken: 'first' }),
      null, // the replaced set dropped
      expect.objectContaining({ accessToken: 'next' }), // its own publication
    ]);
  });
});

describe('redisTokenCache storage, a read whose reply arrives after a newer message', () => {
  it('keeps, on a subscribed replica, the new sign-in another replica stored right after its sign-out, when the read of the mark answers after the new set was heard', async () => {
    const redis = new FakeRedis();
    const endpoint = rotatingEndpoint(() => 3_600);
    // The watching replica's command connection answers its GETs late (its subscriber is faster):
    // a GET that Redis ran while it held the sign-out's mark is answered after the next set's message.
    let late: Promise<void> | undefined;
    const client = redis.client();
    const watching = replica(redis, endpoint.fetchTokens, {
      client: {
        sendCommand: async (args, options) => {
          const reply = await client.sendCommand(args, options);
          if (args[0] === 'GET') await late;
          return reply;
        },
      },
    });
    const switching = replica(redis, endpoint.fetchTokens);
    expect(await watching.manager.getAccessToken()).toBe('at-1');
    expect(await switching.manager.getAccessToken()).toBe('at-1'); // read from Redis

    const answer = deferred<void>();
    late = answer.promise;
    const before = watching.events.length;
    // A switch of account: sign-out, then the new session's set at once.
    await switching.manager.clear(); // heard: watching reads Redis (the mark), answered late
    await vi.advanceTimersByTimeAsync(0);
    await switching.manager.setTokens({
      access_token: 'at-next',
      refresh_token: 'rt-next',
      expires_in: 3_600,
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(watching.events.slice(before).map((event) => event.type)).toEqual(['cleared', 'synced']);
    answer.resolve();
    await vi.advanceTimersByTimeAsync(0);

    // The mark it read is older than the set it heard meanwhile: no second sign-out of the new session.
    expect(watching.events.slice(before).map((event) => event.type)).toEqual(['cleared', 'synced']);
    expect(watching.manager.peekTokens()?.accessToken).toBe('at-next');
    expect(await watching.manager.getAccessToken()).toBe('at-next');
    expect(JSON.parse(redis.peek(REDIS_KEY) ?? '{}')).toMatchObject({ accessToken: 'at-next' });
    expect(endpoint.spent).toEqual([]);
  });
});
