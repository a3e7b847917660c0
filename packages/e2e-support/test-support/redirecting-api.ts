import { loopbackServer } from './loopback-server.js';

/** One origin of `redirectingApi`. */
export type LoopbackOrigin = Awaited<ReturnType<typeof loopbackServer>>;

/**
 * Two origins on 127.0.0.1 (two ports) for redirect tests in Node. `api` answers
 * `/redirect?to=<url>&status=<3xx>` with that redirect (302 by default), `/deny` and any request
 * without `Authorization: Bearer <validToken>` (or `DPoP <validToken>`) with 401 (`WWW-Authenticate: Bearer
 * error="invalid_token"`), and anything else with 200 and `{ "stored": <the request body> }`.
 * `other` answers every request with that 401: the token must never reach it.
 */
export async function redirectingApi(
  validToken: string,
): Promise<{ api: LoopbackOrigin; other: LoopbackOrigin }> {
  const rejected = { 'WWW-Authenticate': 'Bearer error="invalid_token"' };
  const api = await loopbackServer((seen, res) => {
    const url = new URL(seen.path, 'http://x');
    const to = url.searchParams.get('to');
    if (url.pathname === '/redirect' && to) {
      res.writeHead(Number(url.searchParams.get('status') ?? 302), { Location: to }).end();
    } else if (
      url.pathname === '/deny' ||
      (seen.authorization !== `Bearer ${validToken}` && seen.authorization !== `DPoP ${validToken}`)
    ) {
      res.writeHead(401, rejected).end();
    } else {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ stored: seen.body }));
    }
  });
  const other = await loopbackServer((_seen, res) => {
    res.writeHead(401, rejected).end();
  });
  return { api, other };
}
