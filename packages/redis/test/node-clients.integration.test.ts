// @tessera/node clients sharing a real redis-server: tenants, concurrency, what Redis holds, and a
// service process that exits by itself once its work is done.
import { createHash } from 'node:crypto';
import { type ClientCredentials, type ClientCredentialsOptions, clientCredentials } from '@tessera/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runUntilExit } from '../../core/test/fixtures/run-until-exit.js';
import { redisTokenCache } from '../src/index.js';
import type { NodeRedis } from './node-redis-client.js';
import { redisSuite } from './redis-suite.js';
import { startTokenEndpoint, type TokenEndpoint } from './token-endpoint.js';

const SECRET = 'client-secret-7b1e9d';
const redis = redisSuite();
const { cleanups, connect } = redis;
let endpoint: TokenEndpoint;
const connections: NodeRedis[] = [];

/**
 * A service replica: its own Redis connections and cache, a client-credentials client on them.
 * `subscribed: false`: no subscriber, so it hears no other replica's change (as one whose subscriber is down).
 */
async function replica(
  options: Partial<ClientCredentialsOptions> = {},
  subscribed = true,
): Promise<ClientCredentials> {
  const client = await connect();
  const subscriber = subscribed ? await connect() : undefined;
  connections.push(client);
  const cache = redisTokenCache({ client, ...(subscriber ? { subscriber } : {}) });
  const credentials = clientCredentials({
    tokenUrl: endpoint.tokenUrl,
    clientId: 'svc',
    clientSecret: SECRET,
    storage: cache.storage,
    lock: cache.lock,
    retry: false,
    ...options,
  } as ClientCredentialsOptions);
  cleanups.push(() => credentials.dispose());
  return credentials;
}

/** Resolves once Redis has run every command the replicas sent so far (same connection, in order). */
async function settled(): Promise<void> {
  await Promise.all(connections.map((connection) => connection.ping()));
}

/**
 * Two replicas reading one token; the first clears it (the removal mark, and a message the second never
 * hears: its subscriber is off), then the second force-refreshes. `beforeClear` looks at the stored entry.
 */
async function afterMissedClear(beforeClear: (redisKey: string) => Promise<void> = async () => {}) {
  const signingOut = await replica();
  const missing = await replica({}, false);
  const first = await signingOut.getAccessToken();
  expect(await missing.getAccessToken()).toBe(first); // read from Redis
  const redisKey = String((await redis.admin.keys('tessera:tokens:*'))[0]);
  await beforeClear(redisKey);
  await signingOut.for().clear();
  expect(await redis.admin.get(redisKey)).toBe(''); // the removal mark
  const events: string[] = [];
  missing.subscribe((event) => events.push(event.type));
  const next = await missing.getAccessToken({ forceRefresh: true });
  await settled();
  return { signingOut, redisKey, events, next };
}

beforeAll(async () => {
  endpoint = await startTokenEndpoint(120);
});

// Runs before the suite's cleanups (after hooks run newest first): the admin connection is still open.
afterEach(async () => {
  connections.length = 0;
  await redis.admin.flushAll();
  endpoint.reset();
});

afterAll(async () => {
  await endpoint?.close();
});

describe('@tessera/node clients on one redis-server', () => {
  it("give two tenants (extraParams) of one client id their own token, never each other's, for 400 callers on 4 replicas", async () => {
    const replicas = await Promise.all(
      ['acme', 'acme', 'globex', 'globex'].map((tenant) => replica({ extraParams: { tenant } })),
    );

    const tokens = await Promise.all(
      Array.from({ length: 400 }, (_, i) => replicas[i % 4]!.for({ scope: 'orders:read' }).getAccessToken()),
    );

    expect(endpoint.requests).toHaveLength(2);
    const tokenOf = (tenant: string) =>
      endpoint.requests.find(({ params }) => params.tenant === tenant)?.token;
    expect(new Set(tokens.filter((_, i) => i % 4 < 2))).toEqual(new Set([tokenOf('acme')]));
    expect(new Set(tokens.filter((_, i) => i % 4 >= 2))).toEqual(new Set([tokenOf('globex')]));
    expect(tokenOf('acme')).not.toBe(tokenOf('globex'));
    await settled();
    // The parameters appear only through a digest of the full key (decision 0407).
    const keyOf = (tenant: string) =>
      `tessera:tokens:svc@${endpoint.tokenUrl}|orders:read|||#${createHash('sha256')
        .update(`svc@${endpoint.tokenUrl}|orders:read|||tenant=${tenant}`)
        .digest('base64url')}`;
    expect((await redis.admin.keys('tessera:tokens:*')).sort()).toEqual(
      [keyOf('acme'), keyOf('globex')].sort(),
    );
  });

  it("never serve a client another's token when its id and endpoint join to the same text (an @ in the id)", async () => {
    const base = endpoint.tokenUrl.replace(/\/token$/, '');
    // `svc@<base>/` + `@` + `<base>/token` = `svc` + `@` + `<base>/@<base>/token`: one key before 0405.
    const victim = await replica({ clientId: 'svc', tokenUrl: `${base}/@${base}/token` });
    const crafted = await replica({ clientId: `svc@${base}/`, tokenUrl: `${base}/token` });

    const first = await victim.getAccessToken();
    const tokens = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 ? victim : crafted).getAccessToken()),
    );

    expect(endpoint.requests).toHaveLength(2);
    expect(first).toBe(endpoint.requests[0]?.token);
    expect(new Set(tokens.filter((_, i) => i % 2 === 1))).toEqual(new Set([first]));
    expect(new Set(tokens.filter((_, i) => i % 2 === 0))).toEqual(new Set([endpoint.requests[1]?.token]));
    await settled();
    expect((await redis.admin.keys('tessera:tokens:*')).sort()).toEqual([
      `tessera:tokens:svc%40${base}/@${base}/token|||`,
      `tessera:tokens:svc@${base}/@${base}/token|||`,
    ]);
  });

  it('send one token request for 500 callers on two replicas, with `:`, `*` and 10,000-character target parts', async () => {
    const target = { scope: 'orders:* tenant:*:read', audience: `https://api.test/${'x'.repeat(10_000)}` };
    const replicas = [await replica(), await replica()];

    const tokens = await Promise.all(
      Array.from({ length: 500 }, (_, i) => replicas[i % 2]!.for(target).getAccessToken()),
    );

    expect(endpoint.requests).toHaveLength(1);
    expect(new Set(tokens)).toEqual(new Set([endpoint.requests[0]?.token]));
    // A target whose key would match the first as a glob pattern is another token.
    expect(
      await replicas[0]!.for({ scope: 'orders:a tenant:b:read', audience: target.audience }).getAccessToken(),
    ).not.toBe(tokens[0]);
    expect(endpoint.requests).toHaveLength(2);
  });

  it('fetch and store one token on a replica that missed a sign-out (clear()) on another, without refusing its callers', async () => {
    const { signingOut, redisKey, events, next } = await afterMissedClear();

    expect(endpoint.requests).toHaveLength(2);
    expect(next).toBe(endpoint.requests[1]?.token);
    expect(events).toEqual(['refreshed']);
    expect(JSON.parse(String(await redis.admin.get(redisKey))).accessToken).toBe(next); // over the mark
    expect(await signingOut.getAccessToken()).toBe(next); // adopted or read: no request
    expect(endpoint.requests).toHaveLength(2);
  });

  it('fetch one token without refusing callers after a missed clear(), when the server also answers a refresh_token (RFC 6749 §4.4.3)', async () => {
    endpoint.issueRefreshTokens();
    const { redisKey, events, next } = await afterMissedClear(async (key) => {
      expect(JSON.parse(String(await redis.admin.get(key)))).not.toHaveProperty('refreshToken');
    });

    expect(endpoint.requests).toHaveLength(2);
    expect(next).toBe(endpoint.requests[1]?.token);
    expect(endpoint.requests[1]?.params).not.toHaveProperty('refresh_token');
    expect(events).toEqual(['refreshed']);
    const stored = JSON.parse(String(await redis.admin.get(redisKey)));
    expect(stored.accessToken).toBe(next);
    expect(stored).not.toHaveProperty('refreshToken');
  });

  it('keep in Redis only token entries with a TTL: no lock left, no client secret stored or published', async () => {
    const published: string[] = [];
    let onMarker = (): void => {};
    const spy = await connect();
    await spy.pSubscribe('*', (message, channel) =>
      channel === 'marker' ? onMarker() : published.push(message),
    );
    const replicas = [await replica({ scope: 'a' }), await replica({ scope: 'a' })];

    await Promise.all(Array.from({ length: 200 }, (_, i) => replicas[i % 2]!.getAccessToken()));
    await Promise.all(replicas.map((credentials) => credentials.for({ audience: 'b' }).getAccessToken()));
    await settled();
    // Redis has run every PUBLISH of the replicas, so the spy hears them all before this marker.
    const marker = new Promise<void>((resolve) => {
      onMarker = resolve;
    });
    await redis.admin.publish('marker', 'end');
    await marker;

    const keys = (await redis.admin.keys('*')).sort();
    expect(keys).toEqual([
      `tessera:tokens:svc@${endpoint.tokenUrl}|a||`,
      `tessera:tokens:svc@${endpoint.tokenUrl}||b|`,
    ]);
    for (const key of keys) {
      expect(await redis.admin.pTTL(key)).toBeGreaterThan(110_000);
      expect(await redis.admin.get(key)).not.toContain(SECRET);
    }
    expect(published.length).toBeGreaterThanOrEqual(2);
    for (const message of published) expect(message).not.toContain(SECRET);
  });

  it.each(['dispose', 'keep'])(
    'let a service process exit by itself right after it quits its Redis connections (%s the client)',
    async (mode) => {
      const { code, signal, output } = await runUntilExit(
        new URL('./fixtures/node-client-then-idle.ts', import.meta.url),
        [redis.server.url, endpoint.tokenUrl, mode],
      ).exited;

      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(output).toContain('tokens 4');
      // Nothing ref'd was left once its connections closed (no timer, however short or long).
      expect(output).toContain('held []');
      expect(endpoint.requests).toHaveLength(4);
    },
    60_000,
  );
});
