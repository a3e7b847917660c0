/**
 * @tessera/core benchmarks (issue 2). Run: `pnpm bench` (all) or `node --expose-gc --import tsx bench/core.bench.ts`.
 *
 * 1. Cached `getAccessToken()` vs a bare `await Promise.resolve(x)`, same run (target ≤ 1.5×, issue 13):
 *    each sample of 50,000 sequential awaits timed between two baseline samples; the median of 15
 *    such ratios (`paired-ratio.ts`).
 * 2. 10,000 concurrent callers on an expired token against a loopback token endpoint with known latency:
 *    token requests (target 1) and time from first call to last resolution vs that latency.
 * 3. Heap growth after 1,000,000 cached calls and 10,000 refresh cycles (target < 1 MB).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { refreshTokenGrant, TokenManager } from '@tessera/core';
import { pairedRatios } from './paired-ratio.js';

const results: Array<Record<string, string | number>> = [];

/**
 * One sample = BATCH sequential awaits in a plain loop (no per-call harness overhead in the figure);
 * each sample of a variant is compared with the baseline samples taken just before and after it.
 */
async function cachedCost(): Promise<void> {
  const tokens = new TokenManager({
    fetchTokens: async () => ({ access_token: 'cached', expires_in: 3600 }),
  });
  await tokens.getAccessToken();
  const value = 'cached';
  const BATCH = 50_000;
  const ROUNDS = 15;
  const variants: Array<[string, () => Promise<void>]> = [
    [
      'baseline',
      async () => {
        for (let i = 0; i < BATCH; i++) await Promise.resolve(value);
      },
    ],
    [
      'clock',
      async () => {
        for (let i = 0; i < BATCH; i++) await Promise.resolve(Date.now() > 0 ? value : '');
      },
    ],
    [
      'cached',
      async () => {
        for (let i = 0; i < BATCH; i++) await tokens.getAccessToken();
      },
    ],
  ];
  const [baselineResult, clockResult, cachedResult] = await pairedRatios(variants[0]![1], variants.slice(1), {
    batch: BATCH,
    rounds: ROUNDS,
  });
  const baseline = baselineResult!.nsPerOp;
  const clock = clockResult!.nsPerOp;
  const cached = cachedResult!.nsPerOp;
  const ratio = cachedResult!.ratio;
  results.push({
    benchmark: 'for scale: Date.now() + await Promise.resolve (the one clock read a freshness check needs)',
    baseline: `${baseline.toFixed(0)} ns`,
    measured: `${clock.toFixed(0)} ns`,
    ratio: clockResult!.ratio.toFixed(2),
  });
  results.push({
    benchmark: 'cached getAccessToken vs await Promise.resolve',
    baseline: `${baseline.toFixed(0)} ns`,
    measured: `${cached.toFixed(0)} ns`,
    ratio: ratio.toFixed(2),
    target: '≤ 1.50',
    verdict: ratio <= 1.5 ? 'ok' : 'OVER',
  });
  tokens.dispose();
}

async function refreshStorm(callers: number, latency: number): Promise<void> {
  let requests = 0;
  let issued = 0;
  const server = createServer((request, response) => {
    requests += 1;
    request.resume();
    request.on('end', () => {
      setTimeout(() => {
        issued += 1;
        response.setHeader('Content-Type', 'application/json');
        response.end(
          JSON.stringify({ access_token: `at-${issued}`, refresh_token: `rt-${issued}`, expires_in: 300 }),
        );
      }, latency);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const tokens = new TokenManager({
    fetchTokens: refreshTokenGrant({ tokenUrl: `http://127.0.0.1:${port}/token`, clientId: 'bench' }),
  });
  await tokens.setTokens({ access_token: 'expired', refresh_token: 'rt-0', expires_in: 0 });
  const start = performance.now();
  const all = await Promise.all(Array.from({ length: callers }, () => tokens.getAccessToken()));
  const elapsed = performance.now() - start;
  const distinct = new Set(all).size;
  results.push({
    benchmark: `${callers.toLocaleString('en')} concurrent callers, expired token`,
    baseline: `${latency} ms endpoint latency`,
    measured: `${elapsed.toFixed(1)} ms, ${requests} token request(s), ${distinct} distinct token(s)`,
    ratio: (elapsed / latency).toFixed(2),
    target: '1 request',
    verdict: requests === 1 && distinct === 1 ? 'ok' : 'FAIL',
  });
  tokens.dispose();
  await new Promise((resolve) => server.close(resolve));
}

async function heapGrowth(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    results.push({ benchmark: 'heap growth', verdict: 'skipped: run with node --expose-gc' });
    return;
  }
  let n = 0;
  const tokens = new TokenManager({
    fetchTokens: async () => {
      n += 1;
      return { access_token: `at-${n}`, expires_in: 3600 };
    },
    // Each cycle invalidates a token that an invalidation brought: without this, the cooldown
    // (decision 0011) rightly ignores those invalidations and no refresh would happen.
    rejectionCooldown: 0,
  });
  const off = tokens.subscribe(() => {});
  // Warm-up (JIT, p-retry's lazy state) so the measurement shows retained memory, not compiled code.
  for (let i = 0; i < 2_000; i++) {
    tokens.invalidate(await tokens.getAccessToken());
    await tokens.getAccessToken();
  }
  gc();
  const before = process.memoryUsage().heapUsed;
  const refreshesBefore = n;
  for (let i = 0; i < 1_000_000; i++) await tokens.getAccessToken();
  for (let i = 0; i < 10_000; i++) {
    tokens.invalidate(await tokens.getAccessToken());
    await tokens.getAccessToken();
  }
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  results.push({
    benchmark: 'heap after 1,000,000 cached calls + 10,000 refreshes',
    baseline: `${(before / 1e6).toFixed(2)} MB`,
    measured: `${grown >= 0 ? '+' : ''}${(grown / 1e6).toFixed(3)} MB (${n - refreshesBefore} refreshes)`,
    ratio: '-',
    target: '< 1 MB',
    verdict: grown < 1e6 ? 'ok' : 'OVER',
  });
  off();
  tokens.dispose();
}

await cachedCost();
for (const callers of [10_000]) await refreshStorm(callers, 50);
await heapGrowth();
console.log('\n@tessera/core');
console.table(results);
