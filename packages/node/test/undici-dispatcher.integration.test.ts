// Proxies, custom CAs and mTLS with an undici dispatcher: `fetch` and the dispatcher both come from
// the `undici` package (a dispatcher of one undici copy must not be handed to another copy's fetch).
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { type AddressInfo, connect, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { type FetchLike, isTesseraError, NetworkError } from '@tessera/core';
import { Agent, type Dispatcher, ProxyAgent, fetch as undiciFetch } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ClientCredentials, type ClientCredentialsOptions, clientCredentials } from '../src/index.js';
import { createTlsFixtures, hasOpenssl, type TlsFixtures } from './tls-fixtures.js';

const SECRET = 'mtls-secret-4c2e';

/** A `fetch` that sends every request through `dispatcher`, both from the same undici. */
function fetchWith(dispatcher: Dispatcher): FetchLike {
  return (url, init) => undiciFetch(url, { ...init, dispatcher });
}

interface Seen {
  path: string;
  clientCertificate: string | undefined;
  remotePort: number | undefined;
}

/** What a token request carried besides the certificate: its form and `Authorization` header. */
const forms: { form: string; authorization: string | undefined }[] = [];

describe.skipIf(!hasOpenssl())('@tessera/node with an undici dispatcher (proxy, custom CA, mTLS)', () => {
  let tls: TlsFixtures;
  let authServer: HttpsServer;
  let issuer = '';
  const seen: Seen[] = [];

  let proxy: HttpServer;
  let proxyUrl = '';
  const tunnels: string[] = [];
  const upstreamPorts = new Set<number>();
  const sockets = new Set<Socket>();

  const dispatchers: Dispatcher[] = [];
  const clients: ClientCredentials[] = [];
  function client(options: Partial<ClientCredentialsOptions>): ClientCredentials {
    const created = clientCredentials({
      clientId: 'svc',
      clientSecret: SECRET,
      retry: false,
      ...options,
    } as ClientCredentialsOptions);
    clients.push(created);
    return created;
  }
  function track<T extends Dispatcher>(dispatcher: T): T {
    dispatchers.push(dispatcher);
    return dispatcher;
  }

  beforeAll(async () => {
    tls = createTlsFixtures();
    // An authorization server on 127.0.0.1 that trusts only client certificates signed by the test CA.
    authServer = createHttpsServer(
      { ...tls.server, ca: tls.ca, requestCert: true, rejectUnauthorized: true },
      (request, response) => {
        const socket = request.socket as TLSSocket;
        seen.push({
          path: request.url ?? '',
          clientCertificate: String(socket.getPeerCertificate().subject?.CN ?? ''),
          remotePort: socket.remotePort,
        });
        response.setHeader('content-type', 'application/json');
        if (request.url === '/.well-known/oauth-authorization-server') {
          response.end(JSON.stringify({ issuer, token_endpoint: `${issuer}/token` }));
        } else if (request.method === 'POST' && request.url === '/token') {
          let form = '';
          request.setEncoding('utf8');
          request.on('data', (chunk: string) => {
            form += chunk;
          });
          const at = `at-${seen.length}`;
          request.on('end', () => {
            forms.push({ form, authorization: request.headers.authorization });
            response.end(JSON.stringify({ access_token: at, token_type: 'Bearer', expires_in: 300 }));
          });
        } else {
          response.statusCode = 404;
          response.end('{}');
        }
      },
    );
    await new Promise<void>((resolve) => authServer.listen(0, '127.0.0.1', resolve));
    issuer = `https://127.0.0.1:${(authServer.address() as AddressInfo).port}`;

    // A forward proxy that only tunnels (CONNECT) and records where to.
    proxy = createHttpServer((_request, response) => response.writeHead(405).end());
    proxy.on('connect', (request, clientSocket: Socket, head) => {
      tunnels.push(request.url ?? '');
      const [host, port] = (request.url ?? '').split(':');
      const upstream = connect(Number(port), host, () => {
        upstreamPorts.add(upstream.localPort ?? 0);
        clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(clientSocket);
        clientSocket.pipe(upstream);
      });
      for (const socket of [upstream, clientSocket]) {
        sockets.add(socket);
        socket.on('error', () => socket.destroy());
        socket.on('close', () => sockets.delete(socket));
      }
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    for (const created of clients.splice(0)) created.dispose();
    await Promise.all(dispatchers.splice(0).map((dispatcher) => dispatcher.destroy()));
    seen.length = 0;
    forms.length = 0;
    tunnels.length = 0;
    upstreamPorts.clear();
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    authServer.closeAllConnections();
    proxy.closeAllConnections();
    await Promise.all([
      new Promise((resolve) => authServer.close(resolve)),
      new Promise((resolve) => proxy.close(resolve)),
    ]);
  });

  it('gets a token over mTLS from a server signed by a private CA', async () => {
    const agent = track(new Agent({ connect: { ca: tls.ca, cert: tls.client.cert, key: tls.client.key } }));
    const credentials = client({ tokenUrl: `${issuer}/token`, fetch: fetchWith(agent) });

    const tokens = await Promise.all(Array.from({ length: 50 }, () => credentials.getAccessToken()));

    expect(new Set(tokens)).toEqual(new Set(['at-1']));
    expect(seen).toEqual([
      { path: '/token', clientCertificate: 'tessera-client', remotePort: expect.any(Number) },
    ]);
  });

  it('authenticates with the client certificate alone (RFC 8705 tls_client_auth): client_id in the body, no secret', async () => {
    const agent = track(new Agent({ connect: { ca: tls.ca, cert: tls.client.cert, key: tls.client.key } }));
    for (const authMethod of ['tls_client_auth', 'self_signed_tls_client_auth'] as const) {
      const credentials = client({
        tokenUrl: `${issuer}/token`,
        clientSecret: undefined,
        authMethod,
        fetch: fetchWith(agent),
      });

      const tokens = await Promise.all(Array.from({ length: 20 }, () => credentials.getAccessToken()));

      expect(new Set(tokens).size).toBe(1);
    }
    expect(seen.map(({ path, clientCertificate }) => [path, clientCertificate])).toEqual([
      ['/token', 'tessera-client'],
      ['/token', 'tessera-client'],
    ]);
    expect(forms).toEqual([
      { form: 'grant_type=client_credentials&client_id=svc', authorization: undefined },
      { form: 'grant_type=client_credentials&client_id=svc', authorization: undefined },
    ]);
  });

  it('discovers and requests the token through a CONNECT proxy, still with mTLS end to end', async () => {
    const agent = track(
      new ProxyAgent({
        uri: proxyUrl,
        requestTls: { ca: tls.ca, cert: tls.client.cert, key: tls.client.key },
      }),
    );
    const credentials = client({ issuer, fetch: fetchWith(agent) });

    expect(await credentials.getAccessToken()).toBe('at-2');

    expect(seen.map(({ path }) => path)).toEqual(['/.well-known/oauth-authorization-server', '/token']);
    const { port } = new URL(issuer);
    expect(tunnels.length).toBeGreaterThanOrEqual(1);
    expect(new Set(tunnels)).toEqual(new Set([`127.0.0.1:${port}`]));
    // Every request the server received came out of the proxy's tunnel, none directly.
    for (const request of seen) expect(upstreamPorts.has(request.remotePort ?? -1)).toBe(true);
    for (const request of seen) expect(request.clientCertificate).toBe('tessera-client');
  });

  it('fails with a NetworkError naming the TLS problem when the private CA is not trusted', async () => {
    const agent = track(new Agent({ connect: { cert: tls.client.cert, key: tls.client.key } }));
    const credentials = client({ tokenUrl: `${issuer}/token`, fetch: fetchWith(agent) });

    const error = await credentials.getAccessToken().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toMatch(
      /^Token request failed before any response \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\) — POST https:\/\/127\.0\.0\.1:\d+\/token$/,
    );
    expect(seen).toHaveLength(0);
  });

  it('fails with a NetworkError when the server requires a client certificate and none is sent', async () => {
    const agent = track(new Agent({ connect: { ca: tls.ca } }));
    const credentials = client({ tokenUrl: `${issuer}/token`, fetch: fetchWith(agent) });

    const error = await credentials.getAccessToken().catch((caught: unknown) => caught);

    expect(isTesseraError(error, 'NETWORK_ERROR')).toBe(true);
    expect(JSON.stringify(error)).not.toContain(SECRET);
    expect(seen).toHaveLength(0);
  });
});
