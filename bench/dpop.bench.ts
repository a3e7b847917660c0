/**
 * @tessera/dpop proof cost (issue 14). Run: `pnpm bench dpop` or
 * `pnpm build && node --expose-gc --import tsx bench/dpop.bench.ts`.
 *
 * Sequential GET requests to a node:http server on 127.0.0.1, three ways in the same run:
 * a plain request with `Authorization: Bearer` (the baseline), the same with `DPoP <token>` and a
 * fresh proof from `dpop.headersFor` (new jti, ath, nonce), the proof alone without a request, and
 * the same proof from the `dpop` package (panva) for reference (decision 1200), and a request
 * through `withTokens` from `@tessera/fetch` with and without `senderConstraint: dpop` (the ratio of
 * the two is the whole cost of DPoP in the transport: proof, nonce bookkeeping, async header step).
 * Medians of 5 interleaved rounds after a warm-up round. The absolute µs per proof is what matters
 * for an app; the ratio shows it against the cheapest request there is (loopback, no TLS).
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenManager } from '@tessera/core';
import { createDPoP } from '@tessera/dpop';
import { withTokens } from '@tessera/fetch';
import { generateKeyPair, generateProof } from 'dpop';
import { Bench } from 'tinybench';
import { completed } from './completed.js';

const REQUESTS = 2_000;
const PROOFS = 10_000;
const TOKEN = `eyJhbGciOiJFUzI1NiJ9.${'x'.repeat(600)}.sig`;

const server = createServer((_req, res) => {
  res.setHeader('DPoP-Nonce', 'nonce-1');
  res.end('{}');
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`;
const dpop = createDPoP();
dpop.learn({ url, status: 200, headers: { 'dpop-nonce': 'nonce-1' } });
await dpop.ready();

const referencePair = await generateKeyPair('ES256');

const manager = (tokenType: string) => {
  const tokens = new TokenManager({
    tokenTypes: [tokenType],
    fetchTokens: () => Promise.reject(new Error('the bench never refreshes')),
  });
  void tokens.setTokens({ access_token: TOKEN, token_type: tokenType, expires_in: 3600 });
  return tokens;
};
const bearerTokens = manager('Bearer');
const dpopTokens = manager('DPoP');
const bearerApi = withTokens(fetch, bearerTokens, { baseUrl: url });
const dpopApi = withTokens(fetch, dpopTokens, { baseUrl: url, senderConstraint: dpop });
const through = (api: typeof bearerApi) => async () => {
  const response = await api(url);
  await response.arrayBuffer();
};

const plain = async () => {
  const response = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
  await response.arrayBuffer();
};
const withProof = async () => {
  const proof = await dpop.headersFor({ method: 'GET', url, accessToken: TOKEN });
  const response = await fetch(url, { headers: { authorization: `DPoP ${TOKEN}`, ...proof } });
  dpop.learn({ url, status: response.status, headers: response.headers });
  await response.arrayBuffer();
};

const variants: Array<[string, () => Promise<void>, number]> = [
  ['baseline: plain request (Bearer)', plain, REQUESTS],
  ['request + DPoP proof', withProof, REQUESTS],
  ['withTokens (Bearer)', through(bearerApi), REQUESTS],
  ['withTokens + senderConstraint (DPoP)', through(dpopApi), REQUESTS],
  [
    'proof only (dpop.headersFor)',
    () => dpop.headersFor({ method: 'GET', url, accessToken: TOKEN }).then(() => {}),
    PROOFS,
  ],
  [
    'proof only, dpop package (reference)',
    () => generateProof(referencePair, url, 'GET', 'nonce-1', TOKEN).then(() => {}),
    PROOFS,
  ],
];
const ROUNDS = 5;
const samples = new Map<string, number[]>(variants.map(([name]) => [name, []]));
for (let round = 0; round <= ROUNDS; round++) {
  const bench = new Bench({ iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 });
  for (let i = 0; i < variants.length; i++) {
    const [name, run, count] = variants[(round + i) % variants.length]!;
    bench.add(name, async () => {
      for (let n = 0; n < count; n++) await run();
    });
  }
  await bench.run();
  if (round === 0) continue;
  for (const task of bench.tasks) samples.get(task.name)?.push(completed(task).latency.mean);
}
server.close();
bearerTokens.dispose();
dpopTokens.dispose();

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const perCall = variants.map(([name, , count]) => (median(samples.get(name) ?? []) * 1e3) / count);
const [baseline = Number.NaN] = perCall;
console.log(
  `\n@tessera/dpop: ${REQUESTS.toLocaleString('en')} sequential loopback requests, ${PROOFS.toLocaleString('en')} proofs`,
);
console.table(
  variants.map(([name], i) => ({
    variant: name,
    'µs / call': perCall[i]?.toFixed(1),
    'vs baseline': ((perCall[i] ?? Number.NaN) / baseline).toFixed(3),
  })),
);
const names = variants.map(([name]) => name);
const bearerThrough = perCall[names.indexOf('withTokens (Bearer)')] ?? Number.NaN;
const dpopThrough = perCall[names.indexOf('withTokens + senderConstraint (DPoP)')] ?? Number.NaN;
console.log(
  `withTokens with DPoP vs without: ${(dpopThrough / bearerThrough).toFixed(3)}× (+${(dpopThrough - bearerThrough).toFixed(1)} µs per request)`,
);
