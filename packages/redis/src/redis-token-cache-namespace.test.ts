import { describe, expect, it } from 'vitest';
import { FakeRedis } from '../test/fake-redis.js';
import { redisTokenCache } from './redis-token-cache.js';

const SET = { accessToken: 'at-1', tokenType: 'Bearer', expiresAt: 4_102_444_800_000 };

describe('redisTokenCache namespace', () => {
  it('refuses a namespace that could name another namespace’s keys, with a TypeError at creation', () => {
    const client = new FakeRedis().client();
    // `app:tokens:eu` + key `k` and `app` + key `eu:tokens:k` were both `app:tokens:eu:tokens:k`.
    for (const namespace of [
      'app:tokens:eu',
      'app:tokens',
      'tokens',
      'app:lock',
      'lock:x',
      'a:lock-released',
    ]) {
      expect(() => redisTokenCache({ client, namespace }), namespace).toThrow(TypeError);
    }
    expect(() => redisTokenCache({ client, namespace: 'app:tokens:eu' })).toThrow(
      'redisTokenCache: namespace must be a string without a ":"-separated part named tokens, lock or lock-released (got "app:tokens:eu")',
    );
    expect(() => redisTokenCache({ client, namespace: 42 as unknown as string })).toThrow(TypeError);
  });

  it('keeps namespaces with `:` and look-alike parts, each under its own prefix', async () => {
    const redis = new FakeRedis();
    const client = redis.client();
    for (const namespace of ['tessera:prod', 'app:tokens-eu', 'my-lock:x', '']) {
      await redisTokenCache({ client, namespace }).storage('k').set(SET);
      expect(redis.peek(`${namespace}:tokens:k`), namespace).toContain('at-1');
    }
  });
});
