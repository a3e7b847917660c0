// A token endpoint that redirects, on real sockets: msw answers `redirect: 'manual'` itself, Node's fetch
// and undici (with its redirect interceptor composed into the dispatcher) are what services run.
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FetchLike, HttpError } from '@tessera/core';
import { Agent, interceptors, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientCredentialsOptions, clientCredentials } from '../src/index.js';
import { expectNoSecrets, SECRET } from './msw-token-endpoint.js';

/** Starts a server on 127.0.0.1 that records each request (`authorization` header and body). */
async function listen(answer: (response: ServerResponse) => void) {
  const seen: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      seen.push(`${request.headers.authorization ?? ''} ${body}`);
      answer(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, seen, port: (server.address() as AddressInfo).port };
}

describe('a token endpoint that redirects (Node fetch and undici on 127.0.0.1)', () => {
  const servers: Server[] = [];
  let status = 307;
  let tokenSeen: string[] = [];
  let elsewhereSeen: string[] = [];
  let tokenUrl = '';
  const agent = new Agent().compose(interceptors.redirect({ maxRedirections: 3 }));
  const undiciWithRedirects: FetchLike = (url, init) => undiciFetch(url, { ...init, dispatcher: agent });

  beforeAll(async () => {
    // Another origin (localhost, not 127.0.0.1) that would hand out a token to whoever reaches it.
    const elsewhere = await listen((response) => {
      response.setHeader('content-type', 'application/json');
      response.end('{"access_token":"stolen","token_type":"Bearer"}');
    });
    const token = await listen((response) => {
      response.statusCode = status;
      response.setHeader('location', `http://localhost:${elsewhere.port}/token`);
      response.end();
    });
    servers.push(elsewhere.server, token.server);
    tokenSeen = token.seen;
    elsewhereSeen = elsewhere.seen;
    tokenUrl = `http://127.0.0.1:${token.port}/token`;
  });

  afterAll(async () => {
    await agent.close();
    for (const server of servers) server.closeAllConnections();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  const privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const credentials = {
    client_secret_basic: { clientSecret: SECRET },
    client_secret_post: { clientSecret: SECRET, authMethod: 'client_secret_post' },
    private_key_jwt: { privateKey },
  } as const;
  const cases = [301, 302, 303, 307, 308].flatMap((code) =>
    Object.keys(credentials).flatMap((method) =>
      ['Node fetch', 'undici fetch with its redirect interceptor'].map((transport) => ({
        code,
        method,
        transport,
      })),
    ),
  );

  it.each(cases)(
    'never follows a $code with $method over $transport: one request, none to the other origin, no retry',
    async ({ code, method, transport }) => {
      status = code;
      tokenSeen.length = 0;
      elsewhereSeen.length = 0;
      const client = clientCredentials({
        tokenUrl,
        clientId: 'billing',
        ...credentials[method as keyof typeof credentials],
        ...(transport === 'Node fetch' ? {} : { fetch: undiciWithRedirects }),
        retry: { retries: 3, minTimeout: 0, maxTimeout: 0, randomize: false },
      } as ClientCredentialsOptions);

      const error = await client.getAccessToken().catch((caught: unknown) => caught);
      client.dispose();

      expect(error).toBeInstanceOf(HttpError);
      expect((error as HttpError).status).toBe(code);
      expect(tokenSeen).toHaveLength(1);
      expect(elsewhereSeen).toHaveLength(0);
      const assertion = new URLSearchParams(tokenSeen[0]!.split(' ')[1]).get('client_assertion');
      expectNoSecrets(error, [SECRET, ...(assertion ? [assertion] : [])]);
    },
  );
});
