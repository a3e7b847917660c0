// What anyone with KEYS, SCAN, MONITOR or slowlog access sees of a client: the names of every key,
// lock and channel @tessera/node clients write to a real redis-server hold no secret (decision 0407).
import { generateKeyPairSync } from 'node:crypto';
import { type ClientCredentialsOptions, clientCredentials } from '@tessera/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisCommandClient, type RedisSubscriber, redisTokenCache } from '../src/index.js';
import { connectNodeRedis, type NodeRedis } from './node-redis-client.js';
import { type RedisServer, startRedisServer } from './redis-server.js';
import { startTokenEndpoint, type TokenEndpoint } from './token-endpoint.js';

const CLIENT_SECRET = 'cs-3f9a1e77b2';
const PARAM_SECRET = 'pk-8d41c0aa5e';
const QUERY_SECRET = 'qk-5be20f9d13';
let server: RedisServer;
let endpoint: TokenEndpoint;
const cleanups: Array<() => unknown> = [];

const connect = (): Promise<NodeRedis> => connectNodeRedis(server, cleanups);

beforeAll(async () => {
  server = await startRedisServer();
  endpoint = await startTokenEndpoint(120);
}, 180_000);

afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await endpoint?.close();
  await server?.stop();
}, 60_000);

/** Every form a secret could take in a name: raw, base64, base64url, URL- and form-encoded. */
function encodings(secret: string): string[] {
  const bytes = Buffer.from(secret);
  return [
    secret,
    bytes.toString('base64'),
    bytes.toString('base64').replace(/=+$/, ''),
    bytes.toString('base64url'),
    encodeURIComponent(secret),
    new URLSearchParams({ x: secret }).toString().slice(2),
  ];
}

describe('names @tessera/node clients write to a real redis-server', () => {
  it('hold no client secret, extraParams value, endpoint query, client assertion or token, in any encoding', async () => {
    const names = new Set<string>();
    const note = (value: string): void => {
      if (value.startsWith('tessera:')) names.add(value);
    };
    const spy = await connect();
    await spy.pSubscribe('*', (message, channel) => {
      note(channel);
      if (channel.endsWith(':lock-released')) names.add(message); // a lock's name
    });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const configurations: Array<Partial<ClientCredentialsOptions>> = [
      {
        tokenUrl: `${endpoint.tokenUrl}?api_key=${QUERY_SECRET}`,
        clientSecret: CLIENT_SECRET,
        extraParams: { api_key: PARAM_SECRET, tenant: 'acme' },
      },
      { clientId: 'svc-post', clientSecret: CLIENT_SECRET, authMethod: 'client_secret_post' },
      { clientId: 'svc-jwt', privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() },
    ];
    for (const configuration of configurations) {
      // Two replicas on their own connections, each watched command by command.
      const replicas = await Promise.all(
        [0, 1].map(async () => {
          const client = await connect();
          const subscriber = await connect();
          const watched: RedisCommandClient = {
            sendCommand: (args, options) => {
              for (const arg of args) note(arg);
              return client.sendCommand(args, options);
            },
          };
          const watchedSubscriber: RedisSubscriber = {
            subscribe: (channel, listener) => {
              note(channel);
              return subscriber.subscribe(channel, listener);
            },
            unsubscribe: (channel, listener) => {
              note(channel);
              return subscriber.unsubscribe(channel, listener);
            },
            on: (event, listener) => subscriber.on(event, listener),
            off: (event, listener) => subscriber.off(event, listener),
          };
          const cache = redisTokenCache({ client: watched, subscriber: watchedSubscriber });
          const credentials = clientCredentials({
            tokenUrl: endpoint.tokenUrl,
            clientId: 'svc',
            storage: cache.storage,
            lock: cache.lock,
            retry: false,
            ...configuration,
          } as ClientCredentialsOptions);
          cleanups.push(() => credentials.dispose());
          return credentials;
        }),
      );
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          replicas[i % 2]!.for({ scope: 'orders:read' }).getAccessToken(),
        ),
      );
    }
    const admin = await connect();
    for (const key of await admin.keys('*')) note(key);

    expect(endpoint.requests).toHaveLength(3);
    const assertion = endpoint.requests[2]?.params.client_assertion ?? '';
    expect(assertion.split('.')).toHaveLength(3);
    const secrets = [
      CLIENT_SECRET,
      PARAM_SECRET,
      QUERY_SECRET,
      assertion,
      ...endpoint.requests.map(({ token }) => token ?? ''),
    ];
    // Keys, locks and channels of all three clients were seen, each still naming its client and endpoint.
    expect([...names].filter((name) => name.includes('|orders:read|')).length).toBeGreaterThanOrEqual(6);
    expect([...names].filter((name) => name.startsWith('tessera:lock:')).length).toBeGreaterThanOrEqual(3);
    expect(names).toContain('tessera:lock-released');
    for (const name of names) {
      expect(name).toMatch(
        /^tessera:(lock-released$|(tokens:|lock:tessera:)?svc(-post|-jwt)?@http:\/\/127\.0\.0\.1:\d+\/token\|)/,
      );
      for (const secret of secrets) {
        for (const form of encodings(secret)) expect(name, `${name} holds a secret`).not.toContain(form);
      }
    }
  }, 60_000);
});
