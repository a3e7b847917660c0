import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getResponse, type RequestHandler } from 'msw';
import { assertKnownOptions } from './assert-known-options.js';
import { withoutUrlSecrets } from './url-secrets.js';

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
  /**
   * Called with the error a handler threw (or its response body stream failed with) and the request,
   * after the request was answered `500` with a generic body. The error's message is never sent or
   * printed by `serveHandlers`: it may hold a token or a secret. Collect errors here and assert
   * there are none, or rethrow to fail the test run (an unhandled rejection).
   * @example
   * const handlerErrors: unknown[] = [];
   * const http = await serveHandlers({ onHandlerError: (error) => handlerErrors.push(error) });
   * @default logs the method and path (never the error message, the query or the body) with `console.error`
   */
  onHandlerError?: (error: unknown, request: Request) => void;
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
 * the query) for requests no handler answers. Idle keep-alive connections are left to the client to
 * close, so a test on a loaded machine never meets a reset from the server's idle timer.
 *
 * @example
 * const http = await serveHandlers();
 * const auth = createAuthServer({ issuer: http.url });
 * http.use(...auth.handlers, ...auth.protectedApi(`${http.url}/api`));
 */
export async function serveHandlers(options: ServeHandlersOptions = {}): Promise<HandlerServer> {
  assertKnownOptions(options, OPTION_NAMES, 'serveHandlers(options)');
  const onHandlerError = options.onHandlerError ?? logHandlerError;
  let handlers: RequestHandler[] = [];
  const server = createServer((incoming, outgoing) => {
    // Rejects only when `onHandlerError` throws: an unhandled rejection, as that hook meant.
    void respond(incoming, outgoing, handlers, origin, onHandlerError);
  });
  // Idle keep-alive connections are the client's to close (0 turns Node's idle timer off): a server
  // closing one on its timer races a client reusing it, and on a loaded machine, where the event loop
  // stalls past both idle timeouts, the client loses that race as an ECONNRESET. `close()` ends them all.
  server.keepAliveTimeout = 0;
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

const OPTION_NAMES = Object.keys({
  port: true,
  host: true,
  onHandlerError: true,
} satisfies Record<keyof ServeHandlersOptions, true>);

/** The 500 body when a handler threw: never the error's message, which may hold a token. */
const HANDLER_ERROR_BODY =
  'serveHandlers: a handler threw. Its message is not sent (it may hold a secret): see onHandlerError.';

/** The default `onHandlerError`: method and path only (a query may carry a code or a token). */
function logHandlerError(_error: unknown, request: Request): void {
  console.error(
    `[@tessera/testing] serveHandlers: a handler threw on ${request.method} ${pathOf(request)} and was answered 500. ` +
      'Its message is not printed (it may hold a secret): pass onHandlerError to serveHandlers to get the error.',
  );
}

/** The request's path, a segment equal to a credential a server issued or knows as `[REDACTED]`. */
function pathOf(request: Request): string {
  return new URL(withoutUrlSecrets(request.url)).pathname;
}

async function respond(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  handlers: readonly RequestHandler[],
  origin: string,
  onHandlerError: (error: unknown, request: Request) => void,
): Promise<void> {
  let request: Request | undefined;
  try {
    const method = incoming.method ?? 'GET';
    if (method === 'OPTIONS' && incoming.headers['access-control-request-method'] !== undefined) {
      outgoing.writeHead(204, CORS).end();
      return;
    }
    request = await toRequest(incoming, origin);
    const answer = await answerFor(request, handlers);
    if (answer === undefined) {
      outgoing.destroy(); // `HttpResponse.error()`: the client sees a network error
      return;
    }
    outgoing.writeHead(answer.status, answer.statusText, answer.headers);
    outgoing.end(answer.body);
  } catch (error) {
    if (request === undefined) {
      // Not a handler's error: the request could not be read (the client went away, a malformed URL).
      if (!outgoing.headersSent) outgoing.writeHead(400, { ...CORS, 'Content-Type': 'text/plain' });
      outgoing.end('serveHandlers: the request could not be read.');
      return;
    }
    if (outgoing.headersSent) outgoing.destroy();
    else outgoing.writeHead(500, { ...CORS, 'Content-Type': 'text/plain' }).end(HANDLER_ERROR_BODY);
    onHandlerError(error, request);
  }
}

/** A response read to the end before anything is sent, so a failing body stream still gets a clean 500. */
interface Answer {
  status: number;
  statusText: string;
  headers: Record<string, string | string[]>;
  body: Buffer | undefined;
}

async function toRequest(incoming: IncomingMessage, origin: string): Promise<Request> {
  const method = incoming.method ?? 'GET';
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const hasBody = method !== 'GET' && method !== 'HEAD' && chunks.length > 0;
  return new Request(new URL(incoming.url ?? '/', origin), {
    method,
    headers,
    ...(hasBody ? { body: Buffer.concat(chunks) } : {}),
  });
}

/** The answer to send, or undefined for a network error (`HttpResponse.error()`). */
async function answerFor(request: Request, handlers: readonly RequestHandler[]): Promise<Answer | undefined> {
  const response = await getResponse([...handlers], request);
  if (response?.type === 'error') return undefined;
  if (response === undefined) {
    return {
      status: 404,
      statusText: 'Not Found',
      headers: { ...CORS, 'Content-Type': 'text/plain' },
      // The path only: a query may carry a code, a state or a token.
      body: Buffer.from(`serveHandlers: no handler for ${request.method} ${pathOf(request)}`),
    };
  }
  const headers: Record<string, string | string[]> = { ...CORS };
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  const body = request.method === 'HEAD' ? undefined : Buffer.from(await response.arrayBuffer());
  return { status: response.status, statusText: response.statusText, headers, body };
}
