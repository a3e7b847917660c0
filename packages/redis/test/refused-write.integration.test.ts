// A write Redis refuses (READONLY during a failover, OOM under `maxmemory` + `noeviction`) on a real
// redis-server, through node-redis and the README's ioredis adapter: ioredis attaches the command and its
// arguments (the encoded token set) to its reply errors; none of it reaches an event or a rejection.
// Decision 0502, update of stop 36.
import { inspect } from 'node:util';
import { type TokenEvent, TokenManager, type TokenSet } from '@tessera/core';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { type RedisCacheEvent, type RedisCommandClient, redisTokenCache } from '../src/index.js';
import { ioredisClient } from './ioredis-adapter.js';
import { redisSuite } from './redis-suite.js';

const ACCESS = 'at-secret-4f1c9e';
const REFRESH = 'rt-secret-8d2b7a';
const redis = redisSuite();
const { cleanups } = redis;

/** Whether `value` shows either token, printed as `console.error` would print it, or as JSON. */
function showsToken(value: unknown): boolean {
  const texts = [inspect(value, { depth: 10 }), JSON.stringify(value) ?? ''];
  return texts.some((text) => text.includes(ACCESS) || text.includes(REFRESH));
}

async function ioredis(): Promise<RedisCommandClient> {
  const io = new Redis(redis.server.port, '127.0.0.1', { lazyConnect: true });
  await io.connect();
  cleanups.push(() => io.quit());
  return ioredisClient(io);
}

const refusals = {
  READONLY: async () => {
    // A replica of a primary that is not there: every write is refused, as on a demoted primary.
    await redis.admin.sendCommand(['REPLICAOF', '127.0.0.1', '1']);
    cleanups.push(() => redis.admin.sendCommand(['REPLICAOF', 'NO', 'ONE']));
  },
  OOM: async () => {
    await redis.admin.configSet({ maxmemory: '1', 'maxmemory-policy': 'noeviction' });
    cleanups.push(() => redis.admin.configSet({ maxmemory: '0' }));
  },
};

describe.each([
  ['ioredis (README adapter)', ioredis],
  ['node-redis', () => redis.connect()],
] as const)('a write Redis refuses, through %s', (_, connect) => {
  it.each(['READONLY', 'OOM'] as const)(
    'reports a %s refusal of the token set without the access or refresh token: not in the client error kept as cause, the redis_unavailable event, the storage_error, nor the rejection',
    async (refusal) => {
      const key = `svc@https://auth.example.com/token|${refusal}||`;
      const clientErrors: unknown[] = [];
      const observed = async (): Promise<RedisCommandClient> => {
        const client = await connect();
        return {
          get isReady() {
            return client.isReady !== false;
          },
          sendCommand: async (args, options) => {
            try {
              return await client.sendCommand(args, options);
            } catch (error) {
              clientErrors.push(error);
              throw error;
            }
          },
        };
      };
      const cacheEvents: RedisCacheEvent[] = [];
      const onEvent = (event: RedisCacheEvent) => cacheEvents.push(event);
      const managed = redisTokenCache({ client: await observed(), onEvent });
      const direct = redisTokenCache({ client: await observed(), onEvent });
      const manager = new TokenManager({
        key,
        fetchTokens: async () => ({ access_token: ACCESS, refresh_token: REFRESH, expires_in: 3600 }),
        storage: managed.storage(key),
        retry: false,
      });
      cleanups.push(() => manager.dispose());
      const events: TokenEvent[] = [];
      manager.subscribe((event) => events.push(event));
      await refusals[refusal]();

      expect(await manager.getAccessToken()).toBe(ACCESS);
      const tokens: TokenSet = {
        accessToken: ACCESS,
        tokenType: 'Bearer',
        refreshToken: REFRESH,
        expiresAt: Date.now() + 3_600_000,
      };
      let rejection: unknown;
      try {
        await direct.storage(key).set(tokens);
      } catch (error) {
        rejection = error;
      }

      // Redis answered both writes with its refusal (not a timeout), and nothing was stored.
      expect(clientErrors.map((error) => String(error).split(' ')[1])).toEqual([refusal, refusal]);
      expect(await redis.admin.get(`tessera:tokens:${key}`)).toBeNull();
      const storageErrors = events.filter((event) => event.type === 'storage_error');
      expect(storageErrors).toMatchObject([{ operation: 'set', error: { reason: 'failed' } }]);
      expect(cacheEvents).toMatchObject([
        { type: 'redis_unavailable', operation: 'set', error: { reason: 'failed' } },
        { type: 'redis_unavailable', operation: 'set', error: { reason: 'failed' } },
      ]);
      expect(rejection).toMatchObject({ name: 'RedisUnavailableError', reason: 'failed' });
      for (const error of [rejection, ...cacheEvents.map((event) => (event as { error: Error }).error)]) {
        expect((error as Error).cause).toMatchObject({ message: expect.stringMatching(`^${refusal} `) });
      }

      for (const reported of [rejection, ...cacheEvents, ...storageErrors]) {
        expect(showsToken(reported)).toBe(false);
      }
      // ioredis's own error carries them (`command.args`): what the cause must not pass on.
      expect(showsToken(clientErrors)).toBe(connect === ioredis);
    },
  );
});
