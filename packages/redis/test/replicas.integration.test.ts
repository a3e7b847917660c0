// Issue 6 on a real redis-server: 20 replica processes × 50 concurrent callers against one token endpoint.
// Expiry is driven by the replicas' clocks (the parent moves them), never by sleeping.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenCacheKey } from '../src/index.js';
import { type RedisServer, startRedisServer } from './redis-server.js';
import { startTokenEndpoint, type TokenEndpoint } from './token-endpoint.js';

const REPLICAS = 20;
const CALLERS = 50;
/** Tokens live 60 s; each round moves every replica's clock one lifetime ahead. */
const LIFETIME = 60_000;
const LOCK_TTL = 2_000;
const LOCK_WAIT = 15_000;

interface Burst {
  tokens: Record<string, number>;
  failures: string[];
  events: string[];
  ms: number;
}

let redis: RedisServer;
let endpoint: TokenEndpoint;
let replicas: ChildProcess[] = [];
let round = 0;

/** Sends `message` to `child` and resolves with its next reply of the same type (rejects if it dies). */
function ask<T>(child: ChildProcess, message: { type: string; [field: string]: unknown }): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: { type: string }) => {
      if (reply.type !== message.type) return;
      child.off('exit', onExit);
      child.off('message', onMessage);
      resolve(reply as T);
    };
    const onExit = () => {
      child.off('message', onMessage);
      reject(new Error(`replica exited during "${message.type}"`));
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    // A replica that died meanwhile fails this ask instead of an uncaught EPIPE of the ChildProcess.
    child.send(message, (error) => error && reject(error));
  });
}

const alive = (): ChildProcess[] =>
  replicas.filter((child) => child.exitCode === null && child.signalCode === null);

/** Moves every live replica's clock to the next token lifetime: their tokens are now expired. */
async function nextExpiry(): Promise<void> {
  round += 1;
  await Promise.all(alive().map((child) => ask(child, { type: 'clock', offset: round * LIFETIME })));
  endpoint.reset();
}

const burst = (child: ChildProcess): Promise<Burst> => ask<Burst>(child, { type: 'burst', callers: CALLERS });

function tally(bursts: Burst[]) {
  const tokens: Record<string, number> = {};
  for (const { tokens: received } of bursts) {
    for (const [token, count] of Object.entries(received)) tokens[token] = (tokens[token] ?? 0) + count;
  }
  return { tokens, failures: bursts.flatMap(({ failures }) => failures) };
}

/**
 * Records the keyspace notifications of `key` (`set`, `expire`, `expired`, `del`) in the order Redis
 * runs them. `history()` first publishes a marker on the same subscription and waits for it: every
 * notification of a command Redis ran before `history()` was called is in the answer.
 */
async function watchKey(key: string) {
  const commands = createClient({ url: redis.url });
  commands.on('error', () => {});
  await commands.connect();
  await commands.configSet('notify-keyspace-events', 'Kg$x');
  const subscriber = commands.duplicate();
  subscriber.on('error', () => {});
  await subscriber.connect();
  const events: string[] = [];
  const marker = `${key}:marker`;
  let markers = 0;
  let onMarker: ((id: string) => void) | undefined;
  await subscriber.subscribe(`__keyspace@0__:${key}`, (event) => events.push(event));
  await subscriber.subscribe(marker, (id) => onMarker?.(id));
  return {
    async history(): Promise<string> {
      markers += 1;
      const id = String(markers);
      const seen = new Promise<void>((resolve) => {
        onMarker = (received) => received === id && resolve();
      });
      await commands.publish(marker, id);
      await seen;
      return events.join(' ');
    },
    async stop(): Promise<void> {
      await Promise.allSettled([subscriber.quit(), commands.quit()]);
    },
  };
}

beforeAll(async () => {
  redis = await startRedisServer();
  endpoint = await startTokenEndpoint(LIFETIME / 1_000);
  const script = fileURLToPath(new URL('./fixtures/replica-process.ts', import.meta.url));
  // Start all 20 first, then wait: on 2 cores each needs a few seconds to load tsx and the sources.
  replicas = Array.from({ length: REPLICAS }, (_, id) =>
    fork(script, [redis.url, endpoint.tokenUrl, String(id)], {
      execArgv: ['--import', 'tsx', '--conditions=@tessera/source'],
      env: { ...process.env, LOCK_TTL: String(LOCK_TTL), LOCK_WAIT: String(LOCK_WAIT) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  await Promise.all(
    replicas.map(
      (child) =>
        new Promise<void>((resolve, reject) => {
          child.once('message', () => resolve());
          child.once('exit', (code) => reject(new Error(`replica exited with ${code} while starting`)));
        }),
    ),
  );
}, 180_000);

afterAll(async () => {
  await Promise.all(
    replicas.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }),
  );
  await endpoint?.close();
  await redis?.stop();
}, 60_000);

describe('20 replica processes sharing one Redis', () => {
  it('send exactly one token request per expiry for 50 concurrent callers each (3 expiries)', async () => {
    for (let expiry = 1; expiry <= 3; expiry += 1) {
      await nextExpiry();
      const { tokens, failures } = tally(await Promise.all(replicas.map(burst)));

      expect(failures).toEqual([]);
      expect(endpoint.requests).toHaveLength(1);
      expect(tokens).toEqual({ [`tok-${endpoint.issued()}`]: REPLICAS * CALLERS });
    }
    expect(endpoint.issued()).toBe(3);
  });

  it('let another replica take over after lockTtl when the lock holder is killed mid-fetch', async () => {
    // Redis itself reports what happens to the lock key, in the order it happens: no clock compared
    // across processes, no race against lockTtl (docs/decisions/0506).
    const lockKey = `tessera:lock:tessera:${tokenCacheKey({ tokenUrl: endpoint.tokenUrl, clientId: 'replicas' })}`;
    const lock = await watchKey(lockKey);
    try {
      await nextExpiry();
      const held = endpoint.holdNext();
      const bursts = replicas.map((child) => burst(child).catch(() => undefined));
      const first = await held;
      const takeoverHeld = endpoint.holdNext();
      const holder = replicas[Number(first.replica)];
      const dead = new Promise((resolve) => holder?.once('exit', resolve));
      holder?.kill('SIGKILL');
      await dead;

      // The next token request, held open. Read as soon as it is here, the lock's history says that
      // the dead holder's lock (set, renewed) ended by expiry, never deleted by anyone, and that the
      // one lock taken since is held while the requester waits: a replica that requested while the
      // dead lock was alive would find only `set expire…` here.
      const takeover = await takeoverHeld;
      expect(await lock.history()).toMatch(/^set( expire)+ expired set( expire)+$/);
      endpoint.answerHeld();

      const survivors = (await Promise.all(bursts)).filter((result): result is Burst => result !== undefined);
      const { tokens, failures } = tally(survivors);

      expect(survivors).toHaveLength(REPLICAS - 1);
      expect(failures).toEqual([]);
      expect(endpoint.requests).toEqual([first, takeover]);
      expect(takeover.replica).not.toBe(first.replica);
      // Someone took over before lockWait ran out, and nobody gave up waiting.
      expect(takeover.at - first.at).toBeLessThan(LOCK_WAIT);
      expect(tokens).toEqual({ [`tok-${endpoint.issued()}`]: (REPLICAS - 1) * CALLERS });
      expect(survivors.flatMap(({ events }) => events)).not.toContain('lock_timeout');
    } finally {
      endpoint.answerHeld(); // a failed expectation must not leave the survivors waiting
      await lock.stop();
    }
  });

  it('keep every caller served when Redis dies mid-run, and share one request again once it is back', async () => {
    // Redis dies while one replica fetches under the lock and the others wait for it.
    await nextExpiry();
    const held = endpoint.holdNext();
    const during = Promise.all(alive().map(burst));
    await held;
    await redis.kill();
    endpoint.answerHeld();
    const midRun = tally(await during);
    expect(midRun.failures).toEqual([]);
    expect(Object.values(midRun.tokens).reduce((sum, count) => sum + count, 0)).toBe(
      (REPLICAS - 1) * CALLERS,
    );
    // The waiters stop waiting at their next poll and request their own: at most one per replica.
    expect(endpoint.requests.length).toBeLessThanOrEqual(REPLICAS - 1);

    // Cached tokens: the local layer answers, Redis is never asked.
    endpoint.reset();
    const cached = tally(await Promise.all(alive().map(burst)));
    expect(cached.failures).toEqual([]);
    expect(Object.values(cached.tokens).reduce((sum, count) => sum + count, 0)).toBe(
      (REPLICAS - 1) * CALLERS,
    );
    expect(endpoint.requests).toHaveLength(0);

    // Expired tokens, no Redis: each replica requests its own, within the bounded wait, and says why.
    await nextExpiry();
    const degraded = await Promise.all(alive().map(burst));
    const { tokens, failures } = tally(degraded);
    expect(failures).toEqual([]);
    expect(Object.values(tokens).reduce((sum, count) => sum + count, 0)).toBe((REPLICAS - 1) * CALLERS);
    expect(endpoint.requests).toHaveLength(REPLICAS - 1);
    for (const { events, ms } of degraded) {
      expect(events).toContain('redis_unavailable:lock');
      // Nobody waited for a lock that Redis cannot give: such a wait ends in lock_timeout after LOCK_WAIT
      // at the earliest, so only it fails here, however loaded the machine.
      expect(events).not.toContain('lock_timeout');
      expect(ms).toBeLessThan(LOCK_WAIT);
    }

    // Redis is back (empty): once every client has reconnected, one request per expiry again.
    await redis.restart();
    for (;;) {
      const statuses = await Promise.all(
        alive().map((child) => ask<{ ready: boolean }>(child, { type: 'status' })),
      );
      if (statuses.every(({ ready }) => ready)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await nextExpiry();
    const recovered = tally(await Promise.all(alive().map(burst)));
    expect(recovered.failures).toEqual([]);
    expect(endpoint.requests).toHaveLength(1);
    expect(recovered.tokens).toEqual({ [`tok-${endpoint.issued()}`]: (REPLICAS - 1) * CALLERS });
  });
});
