/**
 * @tessera/fetch wrapper overhead (issue 13). Run: `pnpm bench fetch` or
 * `pnpm build && node --expose-gc --import tsx bench/fetch-wrapper.bench.ts`.
 *
 * Sequential requests to `https://api.example.com/orders` through a `fetch` that answers
 * immediately (one prebuilt 200 `Response`), six ways in the same run: the bare fetch (for scale), a hand-written wrapper that
 * sets a static `Authorization` header (the baseline), the same wrapper sending a header record instead of a `Headers`
 * (for scale: what the record alone saves; a real fetch builds its `Headers` from either), the same wrapper plus the one look at the response
 * that replaying a 401 needs (for scale: the floor of any wrapper that replays), that wrapper plus the two reads a token
 * wrapper cannot skip — the clock (is the token still fresh?) and the cached origin verdict of the URL — (for scale: the
 * floor of any wrapper that keeps the checks), and `withTokens` with a cached valid token.
 * Target: Tessera / static ≤ 1.03. Each variant's samples (20,000 requests) are timed between two
 * baseline samples and compared with them; the figure is the median of 15 such ratios (`paired-ratio.ts`).
 */

import { TokenManager } from '@tessera/core';
import { withTokens } from '@tessera/fetch';
import { pairedRatios, perRequestRow } from './paired-ratio.js';

const BATCH = Number(process.env.BENCH_REQUESTS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const ok = new Response(null, { status: 200 });
/**
 * Reads what a real fetch would read (URL and the header, from a `Headers` or a header record: the
 * header's key in any case), and answers at once.
 */
let sink = 0;
const authorizationOf = (headers: HeadersInit | undefined): string | null | undefined => {
  if (headers instanceof Headers) return headers.get('authorization');
  if (headers && !Array.isArray(headers)) {
    for (const key in headers) if (key.toLowerCase() === 'authorization') return headers[key];
  }
  return undefined;
};
const immediate: typeof fetch = async (input, init) => {
  sink += String(input).length + (authorizationOf(init?.headers)?.length ?? 0);
  return ok;
};

const fixed: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  headers.set('Authorization', 'Bearer static-token');
  return immediate(input, { ...init, headers });
};
/** For scale: the static wrapper sending a header record instead of a `Headers` (what `withTokens` sends without `init.headers`). */
const fixedRecord: typeof fetch = (input, init) =>
  immediate(input, {
    ...init,
    headers: { ...(init?.headers as Record<string, string>), Authorization: 'Bearer static-token' },
  });
/** For scale: the static wrapper plus the one look at the response any 401-replaying wrapper needs. */
const fixedChecked: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  headers.set('Authorization', 'Bearer static-token');
  return immediate(input, { ...init, headers }).then((response) =>
    response.status === 401 ? immediate(input, { ...init, headers }) : response,
  );
};
/**
 * For scale: the 401 check plus the two reads that keeping the checks needs per request: one clock read (a token
 * is sent only while fresh) and the origin verdict cached for the URL string (`withTokens` caches the same).
 */
const verdicts = new Map([['https://api.example.com/orders', true]]);
const freshUntil = Date.now() + 3_600_000;
const fixedFloor: typeof fetch = (input, init) => {
  if (!(Date.now() < freshUntil && verdicts.get(String(input)))) return immediate(input, init);
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

const loop = (run: typeof fetch) => async (): Promise<void> => {
  for (let n = 0; n < BATCH; n++) await run('https://api.example.com/orders');
};
const [baseline, none, record, checked, floor, measured] = await pairedRatios(
  loop(fixed),
  [
    ['no wrapper', loop(immediate)],
    ['static wrapper, header record', loop(fixedRecord)],
    ['static wrapper + 401 check', loop(fixedChecked)],
    ['+ clock read + cached origin verdict', loop(fixedFloor)],
    ['withTokens (cached token)', loop(tessera)],
  ],
  { batch: BATCH, rounds: ROUNDS },
);
console.log(
  `\n@tessera/fetch: ${ROUNDS} rounds of ${BATCH.toLocaleString('en')} sequential requests per variant, each between two baseline samples; immediate fetch (${sink > 0})`,
);
console.table([
  perRequestRow('no wrapper', none!),
  perRequestRow('static Authorization wrapper (baseline)', baseline!),
  perRequestRow('for scale: static wrapper sending a header record', record!),
  perRequestRow('for scale: static wrapper + 401 check (one .then)', checked!),
  perRequestRow('for scale: + clock read + cached origin verdict', floor!),
  {
    ...perRequestRow('withTokens', measured!),
    target: '≤ 1.03',
    verdict: measured!.ratio <= 1.03 ? 'ok' : 'OVER',
  },
]);
tokens.dispose();
