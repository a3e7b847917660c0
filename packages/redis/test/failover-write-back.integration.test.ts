// The failover write-back (decision 0507, stop 37) on a real redis-server: a sign-out by another
// replica between the read that found the replaced set and the write-back keeps its removal's mark;
// encrypted values are written back too; a refused write-back is reported without a token in it.
// The failover itself is played by the admin connection putting the replaced value back.
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import type { TokenSet } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { type RedisCacheEvent, type RedisCommandClient, redisTokenCache } from '../src/index.js';
import { WRITE_SCRIPT } from '../src/internal/write-script.js';
import { redisSuite } from './redis-suite.js';

const redis = redisSuite();
const HOUR = 3_600_000;

const set = (n: number): TokenSet => ({
  accessToken: `at-secret-${n}`,
  tokenType: 'Bearer',
  refreshToken: `rt-secret-${n}`,
  expiresAt: Date.now() + HOUR,
});

/** A replica's storage of `key` on its own connection; `beforeWriteBack` runs before its write-back is sent. */
async function storage(
  key: string,
  options: { encryptionKey?: Uint8Array; beforeWriteBack?: () => unknown } = {},
) {
  const client = await redis.connect();
  const events: RedisCacheEvent[] = [];
  let old: string | undefined;
  let writeBacks = 0;
  const observed: RedisCommandClient = {
    get isReady() {
      return client.isReady;
    },
    sendCommand: async (args, commandOptions) => {
      // A write of the script compared with the replaced value: the write-back.
      if (args[1] === WRITE_SCRIPT && old !== undefined && args[6] === old) {
        writeBacks += 1;
        await options.beforeWriteBack?.();
      }
      return client.sendCommand(args, commandOptions);
    },
  };
  const cache = redisTokenCache({
    client: observed,
    onEvent: (event) => events.push(event),
    ...(options.encryptionKey ? { encryptionKey: options.encryptionKey } : {}),
  });
  return {
    storage: cache.storage(key),
    events,
    writeBacks: () => writeBacks,
    /** From now on, a write compared with `value` is a write-back. */
    arm: (value: string) => {
      old = value;
    },
  };
}

/** A failover to a replica that missed the last write: Redis holds `value` again. */
const failover = (key: string, value: string) =>
  redis.admin.sendCommand(['SET', `tessera:tokens:${key}`, value, 'PX', String(HOUR)]);

describe('the failover write-back on a real redis-server (decision 0507, stop 37)', () => {
  it('keeps the removal mark of a sign-out another replica ran between the read and the write-back: the signed-out set is not brought back', async () => {
    const key = 'write-back-sign-out';
    let other: Awaited<ReturnType<typeof storage>> | undefined;
    const a = await storage(key, { beforeWriteBack: () => other?.storage.remove() });
    other = await storage(key);
    await a.storage.set(set(1));
    const old = (await redis.admin.get(`tessera:tokens:${key}`)) as string;
    await a.storage.set(set(2));
    a.arm(old);
    const heard: unknown[] = [];
    a.storage.subscribe?.((tokens) => heard.push(tokens));

    await failover(key, old);
    expect(await a.storage.get()).toMatchObject({ refreshToken: 'rt-secret-1' });
    await expect.poll(() => heard).toEqual([null]);
    expect(a.writeBacks()).toBe(1);
    expect(await redis.admin.get(`tessera:tokens:${key}`)).toBe(''); // the removal's mark, not rt-2
    expect(await a.storage.get()).toBeUndefined();
  });

  it('writes an encrypted set back over the replaced one, once', async () => {
    const key = 'write-back-encrypted';
    const encryptionKey = randomBytes(32);
    const a = await storage(key, { encryptionKey });
    await a.storage.set(set(1));
    const old = (await redis.admin.get(`tessera:tokens:${key}`)) as string;
    await a.storage.set(set(2));
    a.arm(old);
    const written = await redis.admin.get(`tessera:tokens:${key}`);
    expect(written).not.toBe(old);
    expect(written).not.toContain('rt-secret');

    await failover(key, old);
    expect(await a.storage.get()).toMatchObject({ refreshToken: 'rt-secret-1' });
    await expect.poll(() => redis.admin.get(`tessera:tokens:${key}`)).toBe(written);
    expect(await a.storage.get()).toMatchObject({ refreshToken: 'rt-secret-2' });
    expect(a.writeBacks()).toBe(1);
  });

  it('reports a write-back Redis refuses as redis_unavailable (set, failed) without a token in it, and the read still answers', async () => {
    const key = 'write-back-refused';
    const a = await storage(key, {
      beforeWriteBack: async () => {
        await redis.admin.configSet({ maxmemory: '1', 'maxmemory-policy': 'noeviction' });
        redis.cleanups.push(() => redis.admin.configSet({ maxmemory: '0' }));
      },
    });
    await a.storage.set(set(1));
    const old = (await redis.admin.get(`tessera:tokens:${key}`)) as string;
    await a.storage.set(set(2));
    a.arm(old);

    await failover(key, old);
    expect(await a.storage.get()).toMatchObject({ refreshToken: 'rt-secret-1' });
    await expect
      .poll(() => a.events)
      .toMatchObject([{ type: 'redis_unavailable', operation: 'set', error: { reason: 'failed' } }]);
    expect(a.writeBacks()).toBe(1);
    const shown = inspect(a.events, { depth: 10 }) + JSON.stringify(a.events);
    expect(shown).toContain('OOM');
    expect(shown).not.toContain('secret');
  });
});
