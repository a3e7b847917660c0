// Test helper: one loopback API reachable under two origins that asks for DPoP nonces.
import { decodeJwt } from 'jose';
import { loopbackServer } from '../../e2e-support/test-support/loopback-server.js';
import type { LoopbackOrigin } from '../../e2e-support/test-support/redirecting-api.js';

/** The API of `nonceApi`: its two origins, and what each request's proof carried. */
export interface NonceApi {
  server: LoopbackOrigin;
  /** `http://127.0.0.1:<port>` */
  first: string;
  /** `http://localhost:<port>`: the same server under a second origin. */
  second: string;
  /** Each request as [origin, path without query, the `nonce` claim of its proof]. */
  sent: () => Array<[string, string, string | undefined]>;
}

/**
 * One real server on 127.0.0.1 under two origins (`127.0.0.1` and `localhost`), for DPoP nonce
 * tests across redirects. Every response carries `DPoP-Nonce: nonceFor(origin)`. `/go?to=<url>&status=<3xx>`
 * redirects (307 by default); `/ping` is 200; `/stubborn` always answers the nonce challenge;
 * anything else is 200 when the proof's `nonce` is `nonceFor(origin)`, else the challenge:
 * 401 `WWW-Authenticate: DPoP error="use_dpop_nonce"`.
 */
export async function nonceApi(nonceFor: (origin: string) => string): Promise<NonceApi> {
  const server = await loopbackServer((seen, res) => {
    const origin = `http://${seen.host}`;
    const url = new URL(seen.path, origin);
    const nonce = nonceFor(origin);
    const to = url.searchParams.get('to');
    if (url.pathname === '/go' && to) {
      res
        .writeHead(Number(url.searchParams.get('status') ?? 307), { Location: to, 'DPoP-Nonce': nonce })
        .end();
    } else if (url.pathname === '/ping' || (url.pathname !== '/stubborn' && nonceOf(seen.dpop) === nonce)) {
      res.writeHead(200, { 'Content-Type': 'application/json', 'DPoP-Nonce': nonce }).end('{"ok":true}');
    } else {
      res
        .writeHead(401, {
          'WWW-Authenticate': 'DPoP error="use_dpop_nonce", algs="ES256"',
          'DPoP-Nonce': nonce,
          'Access-Control-Expose-Headers': 'DPoP-Nonce, WWW-Authenticate',
        })
        .end();
    }
  });
  const first = server.origin;
  const second = `http://localhost:${server.port}`;
  return {
    server,
    first,
    second,
    sent: () =>
      server.seen.map((seen) => [
        `http://${seen.host}` === first ? 'first' : 'second',
        seen.path.split('?')[0] ?? '',
        nonceOf(seen.dpop),
      ]),
  };
}

function nonceOf(proof: string | null): string | undefined {
  if (!proof) return undefined;
  const { nonce } = decodeJwt(proof);
  return typeof nonce === 'string' ? nonce : undefined;
}
