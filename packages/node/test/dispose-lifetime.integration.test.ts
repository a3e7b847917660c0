// dispose() while a token request or a discovery hangs: callers reject with DisposedError and the
// Node process exits by itself — no socket, timeout or retry timer of the client keeps it alive.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let server: Server;
let url = '';
const received: string[] = [];
let child: ChildProcess | undefined;

beforeAll(async () => {
  // Receives requests and never answers them.
  server = createServer((request: IncomingMessage) => {
    received.push(`${request.method} ${request.url}`);
    request.resume();
    if (child?.connected) child.send('received'); // the child disposes its client now, with this request open
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('dispose() while the authorization server hangs', () => {
  it.each([
    ['token', 'POST /token'],
    ['discovery', 'GET /.well-known/oauth-authorization-server'],
    ['undici', 'POST /token'],
  ])(
    'rejects with DisposedError and lets the process exit at once (%s)',
    async (mode, request) => {
      received.length = 0;
      const script = fileURLToPath(new URL('./fixtures/dispose-while-hung.ts', import.meta.url));
      child = spawn(
        process.execPath,
        ['--import', 'tsx', '--conditions=@tessera/source', script, url, mode],
        { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] },
      );
      const spawned = child;
      let output = '';
      spawned.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      // Only a bound on a hung child (the default token timeout is 10 s); the child measures itself.
      const hung = setTimeout(() => spawned.kill('SIGKILL'), 30_000);
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
        spawned.on('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
      );
      clearTimeout(hung);

      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(output).toContain('DisposedError');
      expect(Number(/exited after (\d+) ms idle/.exec(output)?.[1])).toBeLessThan(1_000);
      expect(new Set(received)).toEqual(new Set([request])); // one per target, or one shared discovery
    },
    60_000,
  );
});
