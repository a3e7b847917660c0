// Type tests, checked by `tsc` in the typecheck step (`expectTypeOf` fails compilation when wrong).
import { clientCredentials } from '@tessera/node';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { expectTypeOf } from 'vitest';
import type { RedisCommandClient, RedisSubscriber } from './redis-client.js';
import { redisTokenCache } from './redis-token-cache.js';

// A node-redis 5 client and its duplicate fit as they are.
const client = createClient();
const cache = redisTokenCache({ client, subscriber: client.duplicate() });
expectTypeOf(client).toExtend<RedisCommandClient>();
expectTypeOf(client.duplicate()).toExtend<RedisSubscriber>();

// ioredis fits through the README's adapter.
const ioredis = new Redis();
redisTokenCache({ client: { sendCommand: (args) => ioredis.call(args[0] ?? '', ...args.slice(1)) } });

// `storage` and `lock` plug straight into @tessera/node.
clientCredentials({
  tokenUrl: 'https://auth.example.com/token',
  clientId: 'billing',
  clientSecret: 's',
  storage: cache.storage,
  lock: cache.lock,
});

// Events narrow on `type`.
redisTokenCache({
  client,
  onEvent: (event) => {
    if (event.type === 'redis_unavailable') expectTypeOf(event.error.reason).toBeString();
    if (event.type === 'lock_timeout') expectTypeOf(event.waited).toBeNumber();
  },
});

// @ts-expect-error a client needs sendCommand
redisTokenCache({ client: {} });
