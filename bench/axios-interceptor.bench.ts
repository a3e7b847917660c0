/**
 * @tessera/axios interceptor overhead (issue 3). Run: `pnpm bench axios` or
 * `node --conditions=@tessera/source --import tsx bench/axios-interceptor.bench.ts`.
 *
 * 100,000 sequential requests through an axios adapter that answers immediately, three ways in the
 * same run: no interceptor (for scale), a hand-written interceptor that sets a static
 * `Authorization` header (the baseline), and `attachTokenManager` with a cached valid token.
 * Target (issue 13): Tessera / static ≤ 1.03. Medians of 5 interleaved rounds after a warm-up round.
 */

import { attachTokenManager } from '@tessera/axios';
import { TokenManager } from '@tessera/core';
import axios, { type AxiosAdapter, type AxiosInstance } from 'axios';
import { Bench } from 'tinybench';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100_000);
const immediate: AxiosAdapter = async (config) => ({
  data: null,
  status: 200,
  statusText: 'OK',
  headers: {},
  config,
  request: {},
});

const create = (): AxiosInstance => axios.create({ baseURL: 'https://api.example.com', adapter: immediate });

const bare = create();
const fixed = create();
fixed.interceptors.request.use((config) => {
  config.headers.set('Authorization', 'Bearer static-token');
  return config;
});
const tessera = create();
const tokens = new TokenManager({
  fetchTokens: async () => ({ access_token: 'cached-token', expires_in: 3600 }),
});
await tokens.getAccessToken();
attachTokenManager(tessera, tokens);

// One measurement = one sequential run of REQUESTS requests. Rounds interleave the three variants in
// rotating order (so JIT warm-up and GC pressure do not favour one), the first round is a warm-up,
// and each variant keeps its median.
const variants: Array<[string, AxiosInstance]> = [
  ['no interceptor', bare],
  ['baseline: static Authorization interceptor', fixed],
  ['attachTokenManager (cached token)', tessera],
];
const ROUNDS = 5;
const samples = new Map<string, number[]>(variants.map(([name]) => [name, []]));
for (let round = 0; round <= ROUNDS; round++) {
  const bench = new Bench({ iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 });
  for (let i = 0; i < variants.length; i++) {
    const [name, instance] = variants[(round + i) % variants.length]!;
    bench.add(name, async () => {
      for (let n = 0; n < REQUESTS; n++) await instance.get('/orders');
    });
  }
  await bench.run();
  if (round === 0) continue;
  for (const task of bench.tasks) samples.get(task.name)?.push(task.result?.latency.mean ?? Number.NaN);
}
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const perRequest = variants.map(([name]) => (median(samples.get(name) ?? []) * 1e3) / REQUESTS);
const [none, baseline, measured] = perRequest as [number, number, number];
const ratio = measured / baseline;
console.log(`\n@tessera/axios: ${REQUESTS.toLocaleString('en')} sequential requests, immediate adapter`);
console.table([
  { variant: 'no interceptor', 'µs / request': none.toFixed(2), 'vs baseline': (none / baseline).toFixed(3) },
  {
    variant: 'static Authorization interceptor',
    'µs / request': baseline.toFixed(2),
    'vs baseline': '1.000',
  },
  {
    variant: 'attachTokenManager',
    'µs / request': measured.toFixed(2),
    'vs baseline': ratio.toFixed(3),
    target: '≤ 1.03',
    verdict: ratio <= 1.03 ? 'ok' : 'OVER',
  },
]);
tokens.dispose();
