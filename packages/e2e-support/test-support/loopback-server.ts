import { createServer, Agent as HttpAgent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a loopback server received. */
export interface Seen {
  host: string;
  method: string;
  path: string;
  authorization: string | null;
  dpop: string | null;
  cookie: string | null;
  body: string;
}

/**
 * A real HTTP server on 127.0.0.1 that records every request (which `Host` saw which credential)
 * and answers with `respond`. Stop it with `close()`.
 */
export async function loopbackServer(
  respond: (seen: Seen, res: ServerResponse, req: IncomingMessage) => void,
): Promise<{ port: number; origin: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry: Seen = {
        host: req.headers.host ?? '',
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization ?? null,
        dpop: (req.headers.dpop as string | undefined) ?? null,
        cookie: req.headers.cookie ?? null,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(entry);
      respond(entry, res, req);
    });
  });
  // Idle keep-alive connections are the client's to close, never the server's (0 turns Node's
  // timeout off): a server closing one on its timer races a client reusing it, and a loaded machine
  // whose event loop stalls past both idle timeouts loses that race as an ECONNRESET (decision 0024).
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An http.Agent that resolves every host name to 127.0.0.1, so `api.test` and `sub.api.test` are two origins on one loopback server. */
export function loopbackAgent(): HttpAgent {
  return new HttpAgent({
    lookup: ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
      if (options?.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
      else callback(null, '127.0.0.1', 4);
    }) as never,
  });
}
