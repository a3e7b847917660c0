/**
 * Reactive refresh storm vs a hand-written single-flight retry (issue 13). Run: `pnpm bench storm`.
 *
 * 1,000 concurrent requests to a loopback API that revoked the cached token: every request gets a
 * 401, one token request (LATENCY ms) brings a new token, every request is replayed once. Four
 * clients in the same run, each on its own loopback servers state:
 * - axios: `attachTokenManager` vs a hand-written interceptor pair (static token, one shared
 *   refresh promise, replay once) — the baseline;
 * - fetch: `withTokens` vs a hand-written fetch wrapper doing the same.
 * Rounds interleave the variants in rotating order after a warm-up round; each keeps its median
 * wall time. Target: Tessera / hand-written ≤ 1.05 per transport. Counts (token requests, replays,
 * failures) are checked on every run: a fast wrong answer is a FAIL, not a win.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { attachTokenManager } from '@tessera/axios';
import { refreshTokenGrant, TokenManager } from '@tessera/core';
import { withTokens } from '@tessera/fetch';
import axios, { type AxiosError, type InternalAxiosRequestConfig } from 'axios';

const N = Number(process.env.BENCH_STORM ?? 1_000);
const LATENCY = 50;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
let current = 'at-0';
let tokenRequests = 0;
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
  response.statusCode = ok ? 200 : 401;
  if (!ok) response.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
  response.end(ok ? '{"ok":true}' : '');
});
const tokenUrl = `${await listen(auth)}/token`;
const baseURL = await listen(api);

/** The hand-written token request: the same form POST `refreshTokenGrant` sends. */
async function requestToken(): Promise<string> {
  const response = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'rt', client_id: 'bench' }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

/** A static token, one shared refresh promise, and the token a request carried compared on its 401. */
function handWrittenState() {
  const state = { token: 'at-0', refreshing: undefined as Promise<string> | undefined };
  const refresh = (carried: string): Promise<string> => {
    if (carried !== state.token) return Promise.resolve(state.token); // already refreshed
    state.refreshing ??= requestToken().then((token) => {
      state.token = token;
      state.refreshing = undefined;
      return token;
    });
    return state.refreshing;
  };
  return { state, refresh };
}

type Run = () => Promise<Array<{ ok: boolean }>>;

function tesseraAxios(tokens: TokenManager): Run {
  const instance = axios.create({ baseURL });
  attachTokenManager(instance, tokens);
  return () =>
    Promise.all(
      Array.from({ length: N }, (_, i) =>
        instance.get(`/orders/${i}`).then(
          () => ({ ok: true }),
          () => ({ ok: false }),
        ),
      ),
    );
}

function handWrittenAxios(): Run {
  const { state, refresh } = handWrittenState();
  const instance = axios.create({ baseURL });
  instance.interceptors.request.use((config) => {
    if (!config.headers.has('Authorization')) config.headers.set('Authorization', `Bearer ${state.token}`);
    return config;
  });
  instance.interceptors.response.use(undefined, async (error: AxiosError) => {
    const config = error.config as (InternalAxiosRequestConfig & { retried?: boolean }) | undefined;
    if (!config || error.response?.status !== 401 || config.retried) throw error;
    const carried = String(config.headers.get('Authorization')).slice('Bearer '.length);
    const token = await refresh(carried);
    config.retried = true;
    config.headers.set('Authorization', `Bearer ${token}`);
    return instance.request(config);
  });
  return () =>
    Promise.all(
      Array.from({ length: N }, (_, i) =>
        instance.get(`/orders/${i}`).then(
          () => ({ ok: true }),
          () => ({ ok: false }),
        ),
      ),
    );
}

function tesseraFetch(tokens: TokenManager): Run {
  const send = withTokens(fetch, tokens, { baseUrl: `${baseURL}/` });
  return () =>
    Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const response = await send(`orders/${i}`);
        await response.arrayBuffer();
        return { ok: response.ok };
      }),
    );
}

function handWrittenFetch(): Run {
  const { state, refresh } = handWrittenState();
  const send = async (url: string): Promise<Response> => {
    const carried = state.token;
    const first = await fetch(url, { headers: { Authorization: `Bearer ${carried}` } });
    if (first.status !== 401) return first;
    await first.arrayBuffer();
    const token = await refresh(carried);
    return fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  };
  return () =>
    Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const response = await send(`${baseURL}/orders/${i}`);
        await response.arrayBuffer();
        return { ok: response.ok };
      }),
    );
}

interface Variant {
  name: string;
  transport: 'axios' | 'fetch';
  tessera: boolean;
  make: (tokens: TokenManager) => Run;
}
const variants: Variant[] = [
  { name: 'hand-written axios retry', transport: 'axios', tessera: false, make: () => handWrittenAxios() },
  { name: 'attachTokenManager', transport: 'axios', tessera: true, make: tesseraAxios },
  { name: 'hand-written fetch retry', transport: 'fetch', tessera: false, make: () => handWrittenFetch() },
  { name: 'withTokens', transport: 'fetch', tessera: true, make: tesseraFetch },
];

/** One storm: the API revoked `at-0`; returns the wall time and whether every count is right. */
async function storm(variant: Variant): Promise<{ wall: number; correct: boolean }> {
  // The same connection-pool state before every storm, whichever variant ran before: N untimed
  // requests first (undici's pool otherwise alternates between fresh and reused sockets from one
  // fetch storm to the next, which favoured whichever fetch variant ran first).
  if (variant.transport === 'fetch') {
    await Promise.all(
      Array.from({ length: N }, () => fetch(`${baseURL}/warm-up`).then((response) => response.arrayBuffer())),
    );
  }
  const tokens = new TokenManager({ fetchTokens: refreshTokenGrant({ tokenUrl, clientId: 'bench' }) });
  await tokens.setTokens({ access_token: 'at-0', refresh_token: 'rt', expires_in: 300 });
  const run = variant.make(tokens);
  current = 'revoked-by-server';
  [tokenRequests, apiRequests] = [0, 0];
  const start = performance.now();
  const results = await run();
  const wall = performance.now() - start;
  tokens.dispose();
  const correct = tokenRequests === 1 && apiRequests === 2 * N && results.every((result) => result.ok);
  return { wall, correct };
}

const walls = new Map<string, number[]>(variants.map((variant) => [variant.name, []]));
let allCorrect = true;
for (let round = 0; round <= ROUNDS; round++) {
  for (let i = 0; i < variants.length; i++) {
    const variant = variants[(round + i) % variants.length]!;
    const { wall, correct } = await storm(variant);
    allCorrect &&= correct;
    if (round > 0) walls.get(variant.name)?.push(wall);
  }
}
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const rows = variants.map((variant) => {
  const wall = median(walls.get(variant.name) ?? []);
  const baseline = variants.find((other) => other.transport === variant.transport && !other.tessera)!;
  const ratio = wall / median(walls.get(baseline.name) ?? []);
  return {
    transport: variant.transport,
    variant: variant.name,
    'wall ms (median)': wall.toFixed(1),
    'vs hand-written': ratio.toFixed(3),
    ...(variant.tessera ? { target: '≤ 1.05', verdict: ratio <= 1.05 ? 'ok' : 'OVER' } : {}),
  };
});
console.log(
  `\nReactive storm: ${N.toLocaleString('en')} concurrent requests, token revoked at the API, token endpoint ${LATENCY} ms, loopback; medians of ${ROUNDS} rounds; counts ${allCorrect ? 'ok on every run (1 token request, 1 replay each, 0 failures)' : 'WRONG on some run: FAIL'}`,
);
console.table(rows);
await Promise.all([auth, api].map((server) => new Promise((resolve) => server.close(resolve))));
