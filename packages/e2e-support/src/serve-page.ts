import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** A test page served from its own 127.0.0.1 origin (a secure context: Web Locks, WebCrypto, IndexedDB). */
export interface ServedPage {
  /** The page's URL, e.g. `http://127.0.0.1:41234/`. */
  url: string;
  /** Its origin, e.g. `http://127.0.0.1:41234`. */
  origin: string;
  close(): Promise<void>;
}

/** Options of `servePage`. */
export interface ServePageOptions {
  /** The page's `<title>`. */
  title: string;
  /** More `<head>` markup, e.g. `<meta name="referrer" content="no-referrer">`. @default '' */
  head?: string;
  /**
   * Answers a request for `path` itself and returns `true`, or returns `false` to leave it to the
   * page (`/`, `/page.js`, else 404). @default none
   */
  route?: (path: string, response: ServerResponse) => boolean;
  /** Serve the page on every other path too (client-side routes), not only on `/`. @default false */
  everyPath?: boolean;
}

/**
 * Bundles the browser module `entry` (a `file:` URL) with esbuild, the workspace packages from source
 * (`@tessera/source` condition), and returns the script.
 */
export async function bundlePage(entry: URL): Promise<string> {
  const bundle = await build({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@tessera/source'],
    logLevel: 'silent',
  });
  return bundle.outputFiles[0]?.text ?? '';
}

/**
 * Bundles `entry` (see `bundlePage`) and serves it as `/page.js` behind an `index.html` on 127.0.0.1
 * and a free port.
 */
export async function servePage(entry: URL, options: ServePageOptions): Promise<ServedPage> {
  const script = await bundlePage(entry);
  const html = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8">${options.head ?? ''}<title>${options.title}</title></head>
  <body><script type="module" src="/page.js"></script></body>
</html>
`;
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (options.route?.(path, response)) return;
    if (path === '/page.js') {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(script);
    } else if (path === '/' || options.everyPath) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
