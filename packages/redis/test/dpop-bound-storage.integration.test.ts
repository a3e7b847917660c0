// @tessera/dpop's bindStorageToKey over the Redis storage on a real redis-server: its subscription
// queue delivers Redis's removal messages and marks (decision 0508) asynchronously; a signed-out
// session must still never come back on another replica.
import { type FetchTokens, LoginRequiredError, type TokenEvent, TokenManager } from '@tessera/core';
import { bindStorageToKey, createDPoP, type DPoP } from '@tessera/dpop';
import { createClient } from 'redis';
import { describe, expect, it, vi } from 'vitest';
import { type RedisTokenCacheOptions, redisTokenCache, tokenCacheKey } from '../src/index.js';
import { redisSuite, SETTLED } from './redis-suite.js';

const redis = redisSuite();
const { cleanups, connect } = redis;
let keyIndex = 0;

/** A DPoP-bound token endpoint with rotating refresh tokens, recording the refresh token of each request. */
function dpopEndpoint() {
  let issued = 0;
  const sent: Array<string | undefined> = [];
  const fetchTokens: FetchTokens = async ({ refreshToken }) => {
    sent.push(refreshToken);
    issued += 1;
    return {
      access_token: `at-${issued}`,
      token_type: 'DPoP',
      refresh_token: `rt-${issued}`,
      expires_in: 3_600,
    };
  };
  return { fetchTokens, sent };
}

/** A replica: a manager whose Redis storage is bound to the DPoP key all replicas share. */
function replica(key: string, fetchTokens: FetchTokens, dpop: DPoP, options: RedisTokenCacheOptions) {
  const cache = redisTokenCache(options);
  const manager = new TokenManager({
    key,
    fetchTokens,
    storage: bindStorageToKey(cache.storage(key), dpop),
    lock: cache.lock,
    retry: false,
    tokenTypes: ['DPoP'],
  });
  const events: TokenEvent[] = [];
  manager.subscribe((event) => events.push(event));
  cleanups.push(() => manager.dispose());
  return { manager, events };
}

const freshKey = (): string =>
  tokenCacheKey({ tokenUrl: 'https://auth.example.com/token', clientId: `dpop-${++keyIndex}` });

describe('bindStorageToKey (@tessera/dpop) over redisTokenCache on redis-server', () => {
  it('drops on the other replica a DPoP-bound session signed out on one, and never refreshes it again', async () => {
    const key = freshKey();
    const redisKey = `tessera:tokens:${key}`;
    const dpop = createDPoP();
    const endpoint = dpopEndpoint();
    const subscriber = await connect();
    const signingOut = replica(key, endpoint.fetchTokens, dpop, { client: await connect() });
    const other = replica(key, endpoint.fetchTokens, dpop, { client: await connect(), subscriber });
    expect(await signingOut.manager.getAccessToken()).toBe('at-1');
    expect(await other.manager.getAccessToken()).toBe('at-1'); // read from Redis, bound to the shared key
    expect(JSON.parse(String(await redis.admin.get(redisKey)))).toMatchObject({
      refreshToken: 'rt-1',
      dpopJkt: (await dpop.ready()).thumbprint,
    });

    await signingOut.manager.clear();
    await vi.waitFor(() => expect(other.events.map((event) => event.type)).toContain('cleared'), SETTLED);
    expect(other.manager.peekTokens()).toBeUndefined();
    await other.manager.getAccessToken({ forceRefresh: true }).catch(() => {});

    expect(endpoint.sent).toEqual([undefined, undefined]); // a new sign-in, never rt-1
    expect(endpoint.sent).not.toContain('rt-1');
    expect(await redis.admin.get(redisKey)).not.toContain('rt-1');
  });

  it('ends at its next refresh a DPoP-bound session signed out while its subscriber was cut off (CLIENT KILL, kept out): no token request, nothing written', async () => {
    const key = freshKey();
    const redisKey = `tessera:tokens:${key}`;
    const dpop = createDPoP();
    const endpoint = dpopEndpoint();
    // The subscriber logs in as a user the test switches off: no re-read catches the sign-out up.
    await redis.admin.sendCommand([
      'ACL',
      'SETUSER',
      'replica-dpop',
      'reset',
      'on',
      '>pw',
      '+@all',
      '~*',
      '&*',
    ]);
    cleanups.push(() => redis.admin.sendCommand(['ACL', 'DELUSER', 'replica-dpop']));
    const subscriber = createClient({
      url: redis.server.url,
      username: 'replica-dpop',
      password: 'pw',
      socket: { reconnectStrategy: () => 20 },
    });
    subscriber.on('error', () => {});
    await subscriber.connect();
    cleanups.push(() => subscriber.isOpen && subscriber.destroy());
    const signingOut = replica(key, endpoint.fetchTokens, dpop, { client: await connect() });
    const missing = replica(key, endpoint.fetchTokens, dpop, { client: await connect(), subscriber });
    expect(await signingOut.manager.getAccessToken()).toBe('at-1');
    expect(await missing.manager.getAccessToken()).toBe('at-1');

    await redis.keepOut('replica-dpop');
    await signingOut.manager.clear();
    expect(missing.events.map((event) => event.type)).not.toContain('cleared');

    await expect(missing.manager.getAccessToken({ forceRefresh: true })).rejects.toBeInstanceOf(
      LoginRequiredError,
    );
    expect(endpoint.sent).toEqual([undefined]); // rt-1 never sent again
    expect(await redis.admin.get(redisKey)).toBe(''); // still signed out: nothing written over the mark
    expect(missing.manager.peekTokens()).toBeUndefined();
  });
});
