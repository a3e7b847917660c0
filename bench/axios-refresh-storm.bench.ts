/**
 * @tessera/axios refresh storm (issue 3). Run: `pnpm bench axios` or
 * `pnpm build && node --expose-gc --import tsx bench/axios-refresh-storm.bench.ts`.
 *
 * N = 10, 100, 1,000 concurrent requests through axios's http adapter to a loopback API, with a
 * loopback token endpoint that answers after LATENCY ms:
 * - expired: the cached token is expired — the request interceptor refreshes first (proactive);
 * - revoked: the server revoked the cached token — every request gets a 401 and is replayed (reactive).
 * Reported: token requests (target 1), requests that reached the API with the stale token (target 0
 * for expired, N for revoked: each 401 is one), replays, failures (target 0), and wall time next to
 * the same N requests with a valid token measured in the same run (the baseline): the storm should
 * cost about one token-endpoint latency more. Counts are the worst of 3 runs, wall times the median.
 * The issue-13 comparison with a hand-written single-flight retry (axios and fetch) is
 * `bench/reactive-storm.bench.ts`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { attachTokenManager } from '@tessera/axios';
import { refreshTokenGrant, TokenManager } from '@tessera/core';
import axios from 'axios';

const LATENCY = 50;
let current = 'at-0';
let tokenRequests = 0;
let staleHits = 0;
let apiRequests = 0;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const auth = createServer((request, response) => {
  tokenRequests += 1;
  request.resume();
  request.on('end', () => {
    setTimeout(() => {
      current = `at-${tokenRequests}-${Date.now()}`;
      response.setHeader('Content-Type', 'application/json');
      response.end(JSON.stringify({ access_token: current, refresh_token: 'rt', expires_in: 300 }));
    }, LATENCY);
  });
});
const api = createServer((request, response) => {
  apiRequests += 1;
  const ok = request.headers.authorization === `Bearer ${current}`;
  if (!ok) staleHits += 1;
  response.statusCode = ok ? 200 : 401;
  if (!ok) response.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
  response.end(ok ? '{"ok":true}' : '');
});
const tokenUrl = `${await listen(auth)}/token`;
const baseURL = await listen(api);

async function storm(
  n: number,
  scenario: 'valid' | 'expired' | 'revoked',
): Promise<{ tokenRequests: number; sentStale: number; replays: number; failures: number; wall: number }> {
  const tokens = new TokenManager({ fetchTokens: refreshTokenGrant({ tokenUrl, clientId: 'bench' }) });
  current = 'at-0';
  await tokens.setTokens({
    access_token: 'at-0',
    refresh_token: 'rt',
    expires_in: scenario === 'expired' ? 0 : 300,
  });
  if (scenario === 'revoked') current = 'revoked-by-server';
  const instance = axios.create({ baseURL });
  attachTokenManager(instance, tokens);
  [tokenRequests, staleHits, apiRequests] = [0, 0, 0];
  const start = performance.now();
  const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => instance.get(`/orders/${i}`)));
  const wall = performance.now() - start;
  tokens.dispose();
  return {
    tokenRequests,
    sentStale: staleHits,
    replays: apiRequests - n,
    failures: results.filter((result) => result.status === 'rejected').length,
    wall,
  };
}

/** Runs a storm RUNS times: counts from every run must agree with the target; wall time is the median. */
const RUNS = 3;
async function measured(n: number, scenario: 'valid' | 'expired' | 'revoked') {
  const runs: Array<Awaited<ReturnType<typeof storm>>> = [];
  for (let run = 0; run < RUNS; run++) runs.push(await storm(n, scenario));
  const walls = runs.map((run) => run.wall).sort((a, b) => a - b);
  return { runs, wall: walls[Math.floor(walls.length / 2)] ?? Number.NaN };
}

const rows: Array<Record<string, string | number>> = [];
await storm(100, 'valid'); // warm-up: sockets, JIT
for (const n of [10, 100, 1_000]) {
  const baseline = await measured(n, 'valid');
  for (const scenario of ['expired', 'revoked'] as const) {
    const { runs, wall } = await measured(n, scenario);
    const stale = scenario === 'expired' ? 0 : n;
    const ok = runs.every(
      (run) =>
        run.tokenRequests === 1 && run.failures === 0 && run.sentStale === stale && run.replays === stale,
    );
    const worst = (key: 'tokenRequests' | 'sentStale' | 'replays' | 'failures'): number =>
      Math.max(...runs.map((run) => run[key]));
    rows.push({
      N: n,
      scenario,
      'token requests': worst('tokenRequests'),
      'sent stale': worst('sentStale'),
      replays: worst('replays'),
      failures: worst('failures'),
      'wall ms': wall.toFixed(1),
      'baseline ms': baseline.wall.toFixed(1),
      'extra / latency': ((wall - baseline.wall) / LATENCY).toFixed(2),
      verdict: ok ? 'ok' : 'FAIL',
    });
  }
}
console.log(`\n@tessera/axios refresh storm (token endpoint latency ${LATENCY} ms, http adapter, loopback)`);
console.table(rows);
await Promise.all([auth, api].map((server) => new Promise((resolve) => server.close(resolve))));
