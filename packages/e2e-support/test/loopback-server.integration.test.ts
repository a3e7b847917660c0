import { get, type IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { loopbackServer } from '../test-support/loopback-server.js';

/** The headers of a GET to `url`, its body read to the end. */
const headersOf = (url: string) =>
  new Promise<IncomingHttpHeaders>((resolve, reject) => {
    get(url, (response) => {
      response.resume();
      response.on('end', () => resolve(response.headers));
    }).on('error', reject);
  });

describe('loopbackServer', () => {
  // Node announces its keep-alive timeout as `Keep-Alive: timeout=<s>`, and closes idle connections
  // after it. A server that never closes one announces none: only the client closes, so a client
  // reusing a connection on a loaded machine is never reset (decision 0024).
  it('keeps connections alive without announcing a timeout: idle connections are the client’s to close', async () => {
    const server = await loopbackServer((_seen, res) => res.end('ok'));
    try {
      const headers = await headersOf(`${server.origin}/x`);
      expect(headers.connection).toBe('keep-alive');
      expect(headers['keep-alive']).toBeUndefined();
    } finally {
      await server.close();
    }
  });
});
