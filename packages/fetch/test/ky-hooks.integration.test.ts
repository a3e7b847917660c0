import type { ServerResponse } from 'node:http';
import type { TokenManager } from '@tessera/core';
import ky, { isTimeoutError } from 'ky';
import { afterAll, describe, expect, it } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { loopbackServer, type Seen } from '../../e2e-support/test-support/loopback-server.js';
import type { LoopbackOrigin } from '../../e2e-support/test-support/redirecting-api.js';
import { kyHooks } from '../src/ky-hooks.js';

// kyHooks with real ky and real servers on 127.0.0.1: ky's own retries keep working.
const servers: LoopbackOrigin[] = [];
const managers: TokenManager[] = [];

afterAll(async () => {
  for (const tokens of managers.splice(0)) tokens.dispose();
  await Promise.all(servers.map((server) => server.close())); // also ends the responses left hanging
});

/** A server that never answers its first request (ky's timeout ends it) and answers the others with `respond`. */
async function hangsFirst(respond: (seen: Seen, res: ServerResponse) => void): Promise<LoopbackOrigin> {
  let requests = 0;
  const server = await loopbackServer((seen, res) => {
    requests += 1;
    if (requests > 1) respond(seen, res);
  });
  servers.push(server);
  return server;
}

/**
 * ky with kyHooks, a 1 s timeout and `limit` retries, none delayed: of ky's own, only for a
 * timeout (so an error of another kind, e.g. an abort from a hook, is not hidden by a retry). The
 * timeout is per attempt: each answered attempt must come back within it, even on a loaded machine.
 */
async function client(origin: string, limit: number) {
  const counted = await countingTokens();
  managers.push(counted.tokens);
  const api = ky.create({
    timeout: 1_000,
    retry: { limit, retryOnTimeout: true, delay: () => 0, shouldRetry: ({ error }) => isTimeoutError(error) },
    hooks: kyHooks(ky, counted.tokens, { origins: origin }),
  });
  return { api, ...counted };
}

describe('kyHooks with ky’s own retries', () => {
  it('sends ky’s retry after a timeout (retryOnTimeout), with the token, and does not reject with the old attempt’s abort', async () => {
    const slow = await hangsFirst((_seen, res) => res.writeHead(200).end('ok'));
    const { api, fetchTokens } = await client(slow.origin, 1);
    expect(await api.get(`${slow.origin}/b`).text()).toBe('ok');
    expect(slow.seen.map((seen) => seen.authorization)).toEqual(['Bearer at-0', 'Bearer at-0']);
    expect(fetchTokens).not.toHaveBeenCalled();
  });

  it('after a timeout, a 401 on ky’s retry still gets its one refresh and replay', async () => {
    const slow = await hangsFirst((seen, res) =>
      res.writeHead(seen.authorization === 'Bearer at-1' ? 200 : 401).end('ok'),
    );
    const { api, fetchTokens } = await client(slow.origin, 2);
    expect(await api.get(`${slow.origin}/b`).text()).toBe('ok');
    expect(slow.seen.map((seen) => seen.authorization)).toEqual([
      'Bearer at-0',
      'Bearer at-0',
      'Bearer at-1',
    ]);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
  });
});
