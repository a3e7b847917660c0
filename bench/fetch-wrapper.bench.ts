/**
 * @tessera/fetch wrapper overhead (issue 13). Run: `pnpm bench fetch` or
 * `node --conditions=@tessera/source --import tsx bench/fetch-wrapper.bench.ts`.
 *
 * 100,000 sequential requests to `https://api.example.com/orders` through a `fetch` that answers
 * immediately (one prebuilt 200 `Response`), three ways in the same run: the bare fetch (for scale), a hand-written wrapper that
 * sets a static `Authorization` header (the baseline), the same wrapper plus the one look at the response
 * that replaying a 401 needs (for scale: the floor of any wrapper that replays), and `withTokens` with a cached valid token.
 * Target: Tessera / static ≤ 1.03. Medians of 5 interleaved rounds after a warm-up round.
 */

import { TokenManager } from '@tessera/core';
import { withTokens } from '@tessera/fetch';
import { Bench } from 'tinybench';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100_000);
const ok = new Response(null, { status: 200 });
/** Reads what a real fetch would read (URL and the header), and answers at once. */
let sink = 0;
const immediate: typeof fetch = async (input, init) => {
  const headers = init?.headers;
  sink +=
    String(input).length + (headers instanceof Headers ? (headers.get('authorization')?.length ?? 0) : 0);
  return ok;
};

const fixed: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  headers.set('Authorization', 'Bearer static-token');
  return immediate(input, { ...init, headers });
};
/** For scale: the static wrapper plus the one look at the response any 401-replaying wrapper needs. */
const fixedChecked: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  headers.set('Authorization', 'Bearer static-token');
  return immediate(input, { ...init, headers }).then((response) =>
    response.status === 401 ? immediate(input, { ...init, headers }) : response,
  );
};
const tokens = new TokenManager({
  fetchTokens: async () => ({ access_token: 'cached-token', expires_in: 3600 }),
});
await tokens.getAccessToken();
const tessera = withTokens(immediate, tokens, { baseUrl: 'https://api.example.com/' });

const variants: Array<[string, typeof fetch]> = [
  ['no wrapper', immediate],
  ['baseline: static Authorization wrapper', fixed],
  ['static wrapper + 401 check', fixedChecked],
  ['withTokens (cached token)', tessera],
];
const ROUNDS = 5;
const samples = new Map<string, number[]>(variants.map(([name]) => [name, []]));
for (let round = 0; round <= ROUNDS; round++) {
  const bench = new Bench({ iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 });
  for (let i = 0; i < variants.length; i++) {
    const [name, run] = variants[(round + i) % variants.length]!;
    bench.add(name, async () => {
      for (let n = 0; n < REQUESTS; n++) await run('https://api.example.com/orders');
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
const [none, baseline, checked, measured] = perRequest as [number, number, number, number];
const ratio = measured / baseline;
console.log(
  `\n@tessera/fetch: ${REQUESTS.toLocaleString('en')} sequential requests, immediate fetch (${sink > 0})`,
);
console.table([
  { variant: 'no wrapper', 'µs / request': none.toFixed(2), 'vs baseline': (none / baseline).toFixed(3) },
  { variant: 'static Authorization wrapper', 'µs / request': baseline.toFixed(2), 'vs baseline': '1.000' },
  {
    variant: 'for scale: static wrapper + 401 check (one .then)',
    'µs / request': checked.toFixed(2),
    'vs baseline': (checked / baseline).toFixed(3),
  },
  {
    variant: 'withTokens',
    'µs / request': measured.toFixed(2),
    'vs baseline': ratio.toFixed(3),
    target: '≤ 1.03',
    verdict: ratio <= 1.03 ? 'ok' : 'OVER',
  },
]);
tokens.dispose();
