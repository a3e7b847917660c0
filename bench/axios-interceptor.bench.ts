/**
 * @tessera/axios interceptor overhead (issue 3). Run: `pnpm bench axios` or
 * `pnpm build && node --expose-gc --import tsx bench/axios-interceptor.bench.ts`.
 *
 * Sequential requests through an axios adapter that answers immediately, three ways in the
 * same run: no interceptor (for scale), a hand-written interceptor that sets a static
 * `Authorization` header (the baseline), and `attachTokenManager` with a cached valid token.
 * Target (issue 13): Tessera / static ≤ 1.03. Each variant's samples (20,000 requests) are timed
 * between two baseline samples and compared with them; the figure is the median of 15 such ratios
 * (`paired-ratio.ts`).
 */

import { attachTokenManager } from '@tessera/axios';
import { TokenManager } from '@tessera/core';
import axios, { type AxiosAdapter, type AxiosInstance } from 'axios';
import { pairedRatios, perRequestRow } from './paired-ratio.js';

const BATCH = Number(process.env.BENCH_REQUESTS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
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
// An app with an interceptor registered before attachTokenManager (it runs after ours and could move
// the request): the send-time origin check is on (decision 0204). Compared with the same interceptor
// in front of the static one.
const passThrough = <T>(config: T): T => config;
const fixedAfterOther = create();
fixedAfterOther.interceptors.request.use(passThrough);
fixedAfterOther.interceptors.request.use((config) => {
  config.headers.set('Authorization', 'Bearer static-token');
  return config;
});
const tesseraAfterOther = create();
tesseraAfterOther.interceptors.request.use(passThrough);
attachTokenManager(tesseraAfterOther, tokens);

// One measurement = one sequential run of REQUESTS requests. Rounds interleave the three variants in
// rotating order (so JIT warm-up and GC pressure do not favour one), the first round is a warm-up,
// and each variant keeps its median.
const loop = (instance: AxiosInstance) => async (): Promise<void> => {
  for (let n = 0; n < BATCH; n++) await instance.get('/orders');
};
const [baseline, none, measured, fixedChecked, checked] = await pairedRatios(
  loop(fixed),
  [
    ['no interceptor', loop(bare)],
    ['attachTokenManager (cached token)', loop(tessera)],
    ['static interceptor after another interceptor', loop(fixedAfterOther)],
    ['attachTokenManager after another interceptor', loop(tesseraAfterOther)],
  ],
  { batch: BATCH, rounds: ROUNDS },
);
console.log(
  `\n@tessera/axios: ${ROUNDS} rounds of ${BATCH.toLocaleString('en')} sequential requests per variant, each between two baseline samples; immediate adapter`,
);
console.table([
  perRequestRow('no interceptor', none!),
  perRequestRow('static Authorization interceptor (baseline)', baseline!),
  {
    ...perRequestRow('attachTokenManager', measured!),
    target: '≤ 1.03',
    verdict: measured!.ratio <= 1.03 ? 'ok' : 'OVER',
  },
  perRequestRow('static interceptor, another interceptor registered before it', fixedChecked!),
  {
    ...perRequestRow(
      'attachTokenManager, another interceptor registered before it (send-time check on)',
      checked!,
    ),
    target: `≤ 1.03 × the row above (${(checked!.ratio / fixedChecked!.ratio).toFixed(3)})`,
    verdict: checked!.ratio / fixedChecked!.ratio <= 1.03 ? 'ok' : 'OVER',
  },
]);
tokens.dispose();
