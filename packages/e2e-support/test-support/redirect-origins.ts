import { loopbackServer } from './loopback-server.js';

/** One of the two loopback origins of `redirectOrigins`. */
export type Origin = Awaited<ReturnType<typeof loopbackServer>>;

/**
 * Two origins on 127.0.0.1 (two ports) for redirect tests in a real browser. `page` serves `script`
 * as `/page.js` behind an `index.html`, answers `/redirect?to=<url>` with a 302 there, and any other
 * path with 200 for `Authorization: Bearer <validToken>`, else 401. `other` answers every request
 * with 401 (CORS open, preflights 204): the token must never reach it.
 */
export async function redirectOrigins(
  script: string,
  validToken: string,
): Promise<{ page: Origin; other: Origin }> {
  const other = await loopbackServer((seen, res) => {
    const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': 'authorization' };
    res.writeHead(seen.method === 'OPTIONS' ? 204 : 401, cors).end();
  });
  const page = await loopbackServer((seen, res) => {
    const url = new URL(seen.path, 'http://x');
    if (url.pathname === '/') {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<script type="module" src="/page.js"></script>');
    } else if (url.pathname === '/page.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else if (url.pathname === '/redirect') {
      res.writeHead(302, { Location: url.searchParams.get('to') ?? '/' }).end();
    } else {
      res.writeHead(seen.authorization === `Bearer ${validToken}` ? 200 : 401).end();
    }
  });
  return { page, other };
}
