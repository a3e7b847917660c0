/**
 * @tessera/node benchmarks (issue 4). Run: `pnpm bench node` or `pnpm build && node --expose-gc --import tsx bench/node-client-credentials.bench.ts`.
 *
 * 1. 1,000 concurrent callers across 5 audiences against a loopback token endpoint with known latency:
 *    token requests (target 5, one per audience).
 * 2. Cached `credentials.for({ audience }).getAccessToken()` cycling through a pool of 100 audiences vs a
 *    pool of 1, same run: lookup cost must not grow with the pool (target ≤ 1.5×); and, for information,
 *    what the `for()` lookup costs compared with calling a manager held in a variable.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
// Relative import: the root package does not depend on @tessera/node (yet); the source is what we measure.
import { clientCredentials } from '@tessera/node';
import { Bench } from 'tinybench';
import { completed } from './completed.js';

const results: Array<Record<string, string | number>> = [];

/** A loopback token endpoint answering after `latency` ms, counting requests per audience. */
async function tokenEndpoint(latency: number) {
  const perAudience = new Map<string, number>();
  let requests = 0;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      requests += 1;
      const audience = new URLSearchParams(body).get('audience') ?? '';
      perAudience.set(audience, (perAudience.get(audience) ?? 0) + 1);
      setTimeout(() => {
        response.setHeader('Content-Type', 'application/json');
        response.end(JSON.stringify({ access_token: `at-${requests}-${audience}`, expires_in: 3600 }));
      }, latency);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    tokenUrl: `http://127.0.0.1:${port}/token`,
    requests: () => requests,
    perAudience,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function concurrentAudiences(callers: number, audiences: number, latency: number): Promise<void> {
  const endpoint = await tokenEndpoint(latency);
  const credentials = clientCredentials({
    tokenUrl: endpoint.tokenUrl,
    clientId: 'bench',
    clientSecret: 'bench-secret',
  });
  const start = performance.now();
  const tokens = await Promise.all(
    Array.from({ length: callers }, (_, i) =>
      credentials.for({ audience: `api-${i % audiences}` }).getAccessToken(),
    ),
  );
  const elapsed = performance.now() - start;
  const requests = endpoint.requests();
  const onePerAudience = [...endpoint.perAudience.values()].every((count) => count === 1);
  results.push({
    benchmark: `${callers.toLocaleString('en')} concurrent callers across ${audiences} audiences`,
    baseline: `${latency} ms endpoint latency`,
    measured: `${elapsed.toFixed(1)} ms, ${requests} token requests, ${new Set(tokens).size} distinct tokens`,
    ratio: (elapsed / latency).toFixed(2),
    target: `${audiences} requests`,
    verdict: requests === audiences && onePerAudience ? 'ok' : 'FAIL',
  });
  credentials.dispose();
  await endpoint.close();
}

async function poolLookup(poolSize: number): Promise<void> {
  const endpoint = await tokenEndpoint(0);
  const credentials = clientCredentials({
    tokenUrl: endpoint.tokenUrl,
    clientId: 'bench',
    clientSecret: 'bench-secret',
  });
  const pool = Array.from({ length: poolSize }, (_, i) => `https://api-${i}.internal`);
  await Promise.all(pool.map((audience) => credentials.for({ audience }).getAccessToken()));
  const single = pool[0]!;
  const held = credentials.for({ audience: single });
  let i = 0;
  const bench = new Bench({ time: 1_000, warmupTime: 200 });
  bench
    .add('held manager', async () => {
      await held.getAccessToken();
    })
    .add('pool of 1 audience', async () => {
      await credentials.for({ audience: single }).getAccessToken();
    })
    .add(`pool of ${poolSize} audiences`, async () => {
      i = (i + 1) % poolSize;
      await credentials.for({ audience: pool[i]! }).getAccessToken();
    });
  await bench.run();
  const [direct, one, many] = bench.tasks.map((task) => completed(task).throughput.mean) as [
    number,
    number,
    number,
  ];
  const ratio = one / many;
  results.push({
    benchmark: `cached for({ audience }).getAccessToken(), ${poolSize} audiences vs 1`,
    baseline: `${Math.round(one).toLocaleString('en')} ops/s`,
    measured: `${Math.round(many).toLocaleString('en')} ops/s (${endpoint.requests()} token requests)`,
    ratio: ratio.toFixed(2),
    target: '≤ 1.50',
    verdict: ratio <= 1.5 && endpoint.requests() === poolSize ? 'ok' : 'OVER',
  });
  results.push({
    benchmark: 'for() lookup + getAccessToken vs a held manager (information)',
    baseline: `${Math.round(direct).toLocaleString('en')} ops/s`,
    measured: `${Math.round(one).toLocaleString('en')} ops/s`,
    ratio: (direct / one).toFixed(2),
    target: '-',
    verdict: '-',
  });
  credentials.dispose();
  await endpoint.close();
}

await concurrentAudiences(1_000, 5, 20);
await poolLookup(100);
console.log('\n@tessera/node');
console.table(results);
