import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getResponse, type RequestHandler } from 'msw';

/** Options of `serveHandlers`. */
export interface ServeHandlersOptions {
  /**
   * The port to listen on; 0 picks a free one.
   * @default 0
   */
  port?: number;
  /**
   * The address to listen on. Keep it on loopback.
   * @default '127.0.0.1'
   */
  host?: string;
}

/** A running `serveHandlers` server. */
export interface HandlerServer {
  /** The base URL, e.g. `http://127.0.0.1:43117` (no trailing slash). */
  readonly url: string;
  /** Adds handlers; like msw's `server.use`, later ones take precedence. */
  use(...handlers: RequestHandler[]): void;
  /** Removes every handler added with `use`. */
  resetHandlers(): void;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/**
 * Permissive CORS for the headers an OAuth client sends and reads: `DPoP` proofs (RFC 9449) go out,
 * `WWW-Authenticate`, `DPoP-Nonce` and `Retry-After` must be readable by a page on another origin.
 */
const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS, HEAD',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type, Accept, DPoP',
  'Access-Control-Expose-Headers': 'WWW-Authenticate, DPoP-Nonce, Retry-After',
  'Access-Control-Max-Age': '600',
} as const;

/**
 * Serves msw request handlers from a real `node:http` server, so a real browser (several tabs, other
 * origins on loopback) or another process can talk to one shared mock. Permissive CORS (`DPoP`
 * allowed; `WWW-Authenticate`, `DPoP-Nonce`, `Retry-After` exposed); 404 naming method and path (never
 * the query) for requests no handler answers.
 *
 * @example
 * const http = await serveHandlers();
 * const auth = createAuthServer({ issuer: http.url });
 * http.use(...auth.handlers, ...auth.protectedApi(`${http.url}/api`));
 */
export async function serveHandlers(options: ServeHandlersOptions = {}): Promise<HandlerServer> {
  let handlers: RequestHandler[] = [];
  const server = createServer((incoming, outgoing) => {
    respond(incoming, outgoing, handlers, origin).catch((error: unknown) => {
      if (!outgoing.headersSent) outgoing.writeHead(500, { ...CORS, 'Content-Type': 'text/plain' });
      outgoing.end(
        `serveHandlers: a handler threw: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: origin,
    use(...added) {
      handlers = [...added, ...handlers];
    },
    resetHandlers() {
      handlers = [];
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function respond(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  handlers: readonly RequestHandler[],
  origin: string,
): Promise<void> {
  const method = incoming.method ?? 'GET';
  if (method === 'OPTIONS' && incoming.headers['access-control-request-method'] !== undefined) {
    outgoing.writeHead(204, CORS).end();
    return;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const hasBody = method !== 'GET' && method !== 'HEAD' && chunks.length > 0;
  const request = new Request(new URL(incoming.url ?? '/', origin), {
    method,
    headers,
    ...(hasBody ? { body: Buffer.concat(chunks) } : {}),
  });
  const response = await getResponse([...handlers], request);
  if (response === undefined) {
    outgoing.writeHead(404, { ...CORS, 'Content-Type': 'text/plain' });
    // The path only: a query may carry a code, a state or a token.
    outgoing.end(`serveHandlers: no handler for ${method} ${new URL(request.url).pathname}`);
    return;
  }
  const out: Record<string, string | string[]> = { ...CORS };
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') out[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) out['set-cookie'] = cookies;
  outgoing.writeHead(response.status, response.statusText, out);
  outgoing.end(method === 'HEAD' ? undefined : Buffer.from(await response.arrayBuffer()));
}
