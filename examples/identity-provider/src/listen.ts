import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A server listening on 127.0.0.1. */
export interface RunningService {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (`port` 0 = a free port) and returns the URL and a `close` that also ends keep-alive connections. */
export async function listen(server: Server, port: number): Promise<RunningService> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
