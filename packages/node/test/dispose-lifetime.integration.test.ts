// dispose() while a token request or a discovery hangs: callers reject with DisposedError and the
// Node process exits by itself — no socket, timeout or retry timer of the client keeps it alive.
import type { ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUntilExit } from '../../core/test/fixtures/run-until-exit.js';

let server: Server;
let url = '';
const received: string[] = [];
let child: ChildProcess | undefined;

beforeAll(async () => {
  // Receives requests and never answers them.
  server = createServer((request: IncomingMessage) => {
    received.push(`${request.method} ${request.url}`);
    request.resume();
    // The child disposes its client now, with this request open. A child already on its way out (a second
    // target's request arriving as it exits) cannot take it: the callback keeps that EPIPE from being an
    // uncaught 'error' event of the ChildProcess.
    if (child?.connected) child.send('received', () => {});
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
    'rejects 500 waiting callers on 10 targets with DisposedError and lets the process exit by itself, holding no socket or timer (%s)',
    async (mode, request) => {
      received.length = 0;
      const run = runUntilExit(new URL('./fixtures/dispose-while-hung.ts', import.meta.url), [url, mode], {
        ipc: true,
      });
      child = run.child;
      const { code, signal, output } = await run.exited;

      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(output).toContain('DisposedError x500\nunhandled 0\n');
      // Nothing ref'd was left once its callers had their answer: not the socket, the default 10 s token
      // timeout or a retry timer (a list of handles, not a time: a loaded machine cannot blur it).
      expect(output).toContain('held []');
      expect(new Set(received)).toEqual(new Set([request])); // one per target, or one shared discovery
    },
    60_000,
  );
});
