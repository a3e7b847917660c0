import { AbortError, DisposedError, HttpError, NetworkError, TimeoutError } from '@tessera/core';
import { failUnhandledRequest } from '@tessera/testing';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { deferred, SECRET, TOKEN_URL, tokenEndpoint } from '../test/msw-token-endpoint.js';
import { type ClientCredentials, clientCredentials } from './client-credentials.js';
import type { ClientCredentialsOptions } from './client-credentials-options.js';
import { isDiscoveryError } from './errors/guards.js';
import { DiscoveryError } from './index.js';

// Core's discover() keeps a successful lookup per issuer for the life of the process: every test
// gets an issuer of its own (a tenant path on the token endpoint's host).
let tenant = 0;
let ISSUER = '';
let RFC8414 = '';
let OIDC = '';
beforeEach(() => {
  tenant += 1;
  ISSUER = `https://auth.example.test/tenant-${tenant}`;
  RFC8414 = `https://auth.example.test/.well-known/oauth-authorization-server/tenant-${tenant}`;
  OIDC = `${ISSUER}/.well-known/openid-configuration`;
});

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: failUnhandledRequest }));
afterEach(() => {
  server.resetHandlers();
  for (const client of clients.splice(0)) client.dispose();
  vi.useRealTimers();
});
afterAll(() => server.close());

const clients: ClientCredentials[] = [];
function client(options: Partial<ClientCredentialsOptions> = {}): ClientCredentials {
  const created = clientCredentials({
    issuer: ISSUER,
    clientId: 'billing',
    clientSecret: SECRET,
    retry: false,
    ...options,
  });
  clients.push(created);
  return created;
}

/** Serves `body` at `url` and counts the requests. */
function metadata(url: string, body: unknown, init?: ResponseInit): { count: number } {
  const counter = { count: 0 };
  server.use(
    http.get(url, () => {
      counter.count += 1;
      return typeof body === 'string'
        ? new HttpResponse(body, init)
        : HttpResponse.json(body as Record<string, unknown>, init);
    }),
  );
  return counter;
}

describe('discovery', () => {
  it('reads the token endpoint from RFC 8414 metadata once, shared by every target', async () => {
    const rfc = metadata(RFC8414, { issuer: ISSUER, token_endpoint: TOKEN_URL });
    const oidc = metadata(OIDC, {}, { status: 500 });
    const seen = tokenEndpoint(server);
    const credentials = client();

    await Promise.all(
      Array.from({ length: 300 }, (_, i) => credentials.for({ audience: `api-${i % 3}` }).getAccessToken()),
    );
    await credentials.getAccessToken();

    expect(rfc.count).toBe(1);
    expect(oidc.count).toBe(0);
    expect(seen).toHaveLength(4);
  });

  it('falls back to OpenID Connect discovery when RFC 8414 metadata is missing or not JSON', async () => {
    for (const [body, status] of [
      ['Not Found', 404],
      ['<html>app shell</html>', 200],
    ] as const) {
      server.resetHandlers();
      ISSUER = `${ISSUER}-${status}`;
      RFC8414 = `https://auth.example.test/.well-known/oauth-authorization-server${new URL(ISSUER).pathname}`;
      OIDC = `${ISSUER}/.well-known/openid-configuration`;
      const rfc = metadata(RFC8414, body, { status });
      metadata(OIDC, { issuer: ISSUER, token_endpoint: `${ISSUER}/oidc/token` });
      const seen = tokenEndpoint(server, undefined, `${ISSUER}/oidc/token`);

      expect(await client().getAccessToken()).toBe('at-1');
      expect(rfc.count).toBe(1);
      expect(seen).toHaveLength(1);
    }
  });

  it('sends a certificate-authenticated client to the RFC 8705 mTLS alias, every other client to token_endpoint', async () => {
    const MTLS_URL = 'https://mtls.auth.example.test/token';
    metadata(RFC8414, {
      issuer: ISSUER,
      token_endpoint: TOKEN_URL,
      mtls_endpoint_aliases: { token_endpoint: MTLS_URL },
    });
    const plain = tokenEndpoint(server);
    const mtls = tokenEndpoint(server, undefined, MTLS_URL);

    await client().getAccessToken();
    for (const authMethod of ['tls_client_auth', 'self_signed_tls_client_auth'] as const) {
      await client({ authMethod, clientSecret: undefined }).getAccessToken();
    }

    expect(plain).toHaveLength(1);
    expect(mtls).toHaveLength(2);
    expect(mtls.map(({ form }) => form.get('client_id'))).toEqual(['billing', 'billing']);
  });

  it('refuses an http mTLS token endpoint alias for an https issuer, without a token request', async () => {
    const alias = 'http://mtls.auth.example.test/token';
    metadata(RFC8414, {
      issuer: ISSUER,
      token_endpoint: TOKEN_URL,
      mtls_endpoint_aliases: { token_endpoint: alias },
    });
    const seen = tokenEndpoint(server);

    const error = await client({ authMethod: 'tls_client_auth', clientSecret: undefined })
      .getAccessToken()
      .catch((caught: unknown) => caught);

    expect(error).toMatchObject({ reason: 'invalid_token_endpoint' });
    expect(seen).toHaveLength(0);
  });

  it('rejects metadata whose issuer differs from the configured one, without a token request', async () => {
    metadata(RFC8414, { issuer: `${ISSUER}/`, token_endpoint: TOKEN_URL });
    const seen = tokenEndpoint(server);

    const error = await client()
      .getAccessToken()
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(DiscoveryError);
    expect(isDiscoveryError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'DISCOVERY_FAILED', reason: 'issuer_mismatch', issuer: ISSUER });
    expect((error as Error).message).toContain(`names "${ISSUER}/"`);
    expect(seen).toHaveLength(0);
  });

  it('rejects an http token endpoint for an https issuer', async () => {
    metadata(RFC8414, { issuer: ISSUER, token_endpoint: 'http://auth.example.test/token' });

    await expect(client().getAccessToken()).rejects.toMatchObject({ reason: 'invalid_token_endpoint' });
  });

  it('rejects a token endpoint with a fragment as the metadata’s fault, without a token request', async () => {
    metadata(RFC8414, { issuer: ISSUER, token_endpoint: `${TOKEN_URL}#tenant` });
    const seen = tokenEndpoint(server);

    const error = await client()
      .getAccessToken()
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(DiscoveryError);
    expect(error).toMatchObject({ reason: 'invalid_token_endpoint', issuer: ISSUER });
    expect(seen).toHaveLength(0);
  });

  it('says which URLs it tried when neither has metadata', async () => {
    metadata(RFC8414, 'nope', { status: 404 });
    metadata(OIDC, 'gone', { status: 410 });

    const error = await client()
      .getAccessToken()
      .catch((caught: unknown) => caught);

    expect(error).toMatchObject({ reason: 'not_found' });
    expect((error as Error).message).toBe(
      `Discovery of ${ISSUER} failed: no metadata at ${RFC8414} (HTTP 404) nor at ${OIDC} (HTTP 410)`,
    );
  });

  it('does not cache a failed discovery: the next call discovers again', async () => {
    const rfc = metadata(RFC8414, 'down', { status: 503 });
    const credentials = client();

    const error = await credentials.getAccessToken().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as Error).message).toContain(RFC8414);

    server.resetHandlers();
    const again = metadata(RFC8414, { issuer: ISSUER, token_endpoint: TOKEN_URL });
    tokenEndpoint(server);
    expect(await credentials.getAccessToken()).toBe('at-1');
    expect(rfc.count).toBe(1);
    expect(again.count).toBe(1);
  });

  it('retries a transient discovery failure with the token request policy', async () => {
    let attempts = 0;
    server.use(
      http.get(RFC8414, () => {
        attempts += 1;
        return attempts === 1
          ? HttpResponse.error()
          : HttpResponse.json({ issuer: ISSUER, token_endpoint: TOKEN_URL });
      }),
    );
    tokenEndpoint(server);
    const events: string[] = [];
    const credentials = client({ retry: { retries: 2, minTimeout: 0, maxTimeout: 0, randomize: false } });
    credentials.subscribe((event) => {
      if (event.type === 'retrying') events.push((event.error as Error).constructor.name);
    });

    expect(await credentials.getAccessToken()).toBe('at-1');
    expect(attempts).toBe(2);
    expect(events).toEqual([NetworkError.name]);
  });

  it('a caller whose signal aborts during discovery stops waiting at once; the lookup goes on for the others', async () => {
    const gate = deferred<void>();
    let arrived = false;
    const rfc = { count: 0 };
    server.use(
      http.get(RFC8414, async () => {
        rfc.count += 1;
        arrived = true;
        await gate.promise;
        return HttpResponse.json({ issuer: ISSUER, token_endpoint: TOKEN_URL });
      }),
    );
    const seen = tokenEndpoint(server);
    const credentials = client();
    const caller = new AbortController();
    const aborted = credentials.getAccessToken({ signal: caller.signal }).catch((caught: unknown) => caught);
    const patient = credentials.getAccessToken();
    await expect.poll(() => arrived).toBe(true);

    caller.abort();

    // Rejected while the metadata request is still unanswered.
    expect(await aborted).toBeInstanceOf(AbortError);
    expect(seen).toHaveLength(0);
    gate.resolve();
    expect(await patient).toBe('at-1');
    expect(rfc.count).toBe(1);
    expect(seen).toHaveLength(1);
  });

  it('an attempt timing out during discovery ends at once and sends nothing; its retry joins the same lookup', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    // RFC 8414 answers 404 after 600 ms, OpenID Connect discovery after 600 ms more: the lookup
    // outlives the first attempt's 1 s timeout (each metadata request has its own).
    const rfc = { count: 0 };
    const oidc = { count: 0 };
    server.use(
      http.get(RFC8414, async () => {
        rfc.count += 1;
        await new Promise((resolve) => setTimeout(resolve, 600));
        return new HttpResponse('Not Found', { status: 404 });
      }),
      http.get(OIDC, async () => {
        oidc.count += 1;
        await new Promise((resolve) => setTimeout(resolve, 600));
        return HttpResponse.json({ issuer: ISSUER, token_endpoint: TOKEN_URL });
      }),
    );
    const seen = tokenEndpoint(server);
    const credentials = client({
      timeout: 1_000,
      retry: { retries: 1, minTimeout: 100, maxTimeout: 100, randomize: false },
    });
    const retrying: unknown[] = [];
    credentials.subscribe((event) => {
      if (event.type === 'retrying') retrying.push(event.error);
    });
    const token = credentials.getAccessToken();

    await vi.advanceTimersByTimeAsync(1_000);
    expect(retrying).toHaveLength(1);
    expect(retrying[0]).toBeInstanceOf(TimeoutError);
    expect(seen).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(300);

    expect(await token).toBe('at-1');
    expect(rfc.count).toBe(1);
    expect(oidc.count).toBe(1);
    // The timed-out attempt, resumed when the lookup ended, sent nothing: one token request.
    expect(seen).toHaveLength(1);
  });

  it('dispose() during discovery aborts it, rejects every waiting target and sends no token request', async () => {
    const gate = deferred<void>();
    let arrived = false;
    server.use(
      http.get(RFC8414, async () => {
        arrived = true;
        await gate.promise;
        return HttpResponse.json({ issuer: ISSUER, token_endpoint: TOKEN_URL });
      }),
    );
    const seen = tokenEndpoint(server);
    // Watches the signal the discovery request is sent with.
    let discoverySignal: AbortSignal | undefined;
    const watching: typeof fetch = (input, init) => {
      if (init?.method === 'GET') discoverySignal = init.signal ?? undefined;
      return fetch(input, init);
    };
    const credentials = client({ fetch: watching });
    const waiting = ['a', 'b', 'c'].map((audience) =>
      credentials
        .for({ audience })
        .getAccessToken()
        .catch((caught: unknown) => caught),
    );
    await expect.poll(() => arrived).toBe(true);
    expect(discoverySignal?.aborted).toBe(false);

    credentials.dispose();

    expect(discoverySignal?.aborted).toBe(true);
    for (const error of await Promise.all(waiting)) expect(error).toBeInstanceOf(DisposedError);
    gate.resolve();
    expect(seen).toHaveLength(0);
  });
});
