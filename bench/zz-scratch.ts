import { TokenManager, authorizationScheme } from '@tessera/core';
import { withTokens } from '@tessera/fetch';
const ok = new Response(null, { status: 200 });
let sink = 0;
const immediate: typeof fetch = async (input, init) => {
  const headers = init?.headers;
  sink += String(input).length + (headers instanceof Headers ? (headers.get('authorization')?.length ?? 0) : 0);
  return ok;
};
const fixed: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  headers.set('Authorization', 'Bearer static-token');
  return immediate(input, { ...init, headers });
};
const tokens = new TokenManager({ fetchTokens: async () => ({ access_token: 'cached-token', expires_in: 3600 }) });
await tokens.getAccessToken();
const tessera = withTokens(immediate, tokens, { baseUrl: 'https://api.example.com/' });
const cache = new Map([['https://api.example.com/orders', { url: 'https://api.example.com/orders', allowed: true }]]);
const mk = (level: number): typeof fetch => (input, init) => {
  const t = level >= 1 ? cache.get(input as string)! : { url: input as string };
  const set = level >= 2 ? tokens.freshTokens()! : { accessToken: 'static-token', tokenType: 'Bearer' };
  const headers = new Headers(init?.headers);
  const v = level >= 3 ? `${authorizationScheme(set.tokenType)} ${set.accessToken}` : 'Bearer static-token';
  headers.set('Authorization', v);
  const p = immediate(t.url, level >= 4 ? { ...init, headers, redirect: 'manual' } : { ...init, headers });
  if (level < 5) return p;
  if (level === 6) return (async () => { const r = await p; return (r.status === 301 && r.headers.has('location')) || (r.status === 401) ? r : r; })();
  return p.then((r) => (r.status === 301 && r.headers.has('location')) || (r.status === 401) ? r : r);
};
const variants: Array<[string, typeof fetch]> = [['fixed', fixed], ...[4,5,6,4,5,6].map((l) => [`L${l}${Math.random().toFixed(2)}`, mk(l)] as [string, typeof fetch]), ['tessera', tessera]];
const N = 50000;
const res = new Map<string, number[]>();
for (let r = 0; r < 8; r++) for (const [name, f] of variants) {
  const t = performance.now();
  for (let i = 0; i < N; i++) await f('https://api.example.com/orders');
  const dt = (performance.now() - t) * 1000 / N;
  if (r > 0) (res.get(name) ?? res.set(name, []).get(name)!).push(dt);
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
const base = med(res.get('fixed')!);
for (const [k, v] of res) console.log(k, med(v).toFixed(3), (med(v) / base).toFixed(3));
tokens.dispose();
