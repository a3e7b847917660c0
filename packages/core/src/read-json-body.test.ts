import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
// Relative import: @tessera/testing depends on @tessera/core, so core cannot list it as a dependency.
import { failUnhandledRequest } from '../../testing/src/fail-unhandled-request.js';
import { discover } from './discovery/discover.js';
import { MalformedResponseError } from './errors/malformed-response-error.js';
import { TimeoutError } from './errors/timeout-error.js';
import type { FetchLike } from './fetch-like.js';
import { clientCredentialsGrant } from './grants/client-credentials-grant.js';
import { revokeToken } from './revoke-token.js';
import { requestToken } from './token-endpoint.js';
import { TokenManager } from './token-manager.js';

const TOKEN_URL = 'https://auth.example.test/oauth/token';
const REVOCATION_URL = 'https://auth.example.test/oauth/revoke';
const SECRET = 'cl1ent-s3cret';
const MiB = 1 << 20;
const CHUNK = 64 * 1024;
/**
 * Where the "endless" bodies of these tests give up (the source errors, the connection is cut): a
 * reader without a cap then fails the test in a second instead of exhausting the machine's memory.
 */
const SAFETY_NET = 64 * MiB;

const msw = setupServer();
afterEach(() => {
  msw.resetHandlers();
  vi.useRealTimers();
});

const encoder = new TextEncoder();

/** `value` as JSON of exactly `size` bytes (its `pad` field filled with spaces' worth of `x`). */
function jsonOfSize(value: Record<string, unknown>, size: number): Uint8Array {
  const bare = JSON.stringify({ ...value, pad: '' });
  return encoder.encode(JSON.stringify({ ...value, pad: 'x'.repeat(size - bare.length) }));
}

/**
 * A JSON object of `total` bytes (`Infinity`: endless), streamed 64 KiB per pull and only when read
 * (high-water mark 0), opening with `value`'s fields so that, read whole, it would be a usable answer.
 */
function streamedJson(value: Record<string, unknown>, total: number) {
  const head = encoder.encode(`${JSON.stringify(value).slice(0, -1)},"pad":"`);
  const filler = new Uint8Array(CHUNK).fill(0x78);
  const tail = encoder.encode('"}');
  const stats = { pulled: 0, cancelled: false };
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (stats.pulled === 0) {
          stats.pulled = head.length;
          return controller.enqueue(head);
        }
        if (stats.pulled >= SAFETY_NET) return controller.error(new Error('safety net'));
        const rest = total - stats.pulled - tail.length;
        if (rest <= CHUNK) {
          stats.pulled = total;
          controller.enqueue(filler.slice(0, rest));
          controller.enqueue(tail);
          return controller.close();
        }
        stats.pulled += CHUNK;
        controller.enqueue(filler.slice());
      },
      cancel() {
        stats.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { body, stats };
}

/** Lets every pending stream pull and promise run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** Asserts the message and JSON of `error` hold none of `secrets`. */
function expectNoSecrets(error: unknown, ...secrets: string[]): void {
  const shown = `${String(error)} ${JSON.stringify(error)}`;
  for (const secret of secrets) expect(shown).not.toContain(secret);
}

function serviceClient(fetch?: FetchLike): TokenManager {
  return new TokenManager({
    fetchTokens: clientCredentialsGrant({
      tokenUrl: TOKEN_URL,
      clientId: 'svc',
      clientSecret: SECRET,
      fetch,
    }),
    // Transient failures would be retried at once: a retried too-large answer would show as a 2nd request.
    retry: { minTimeout: 0, randomize: false },
  });
}

describe('OAuth endpoint bodies are read up to 1 MiB (msw)', () => {
  beforeAll(() => msw.listen({ onUnhandledRequest: failUnhandledRequest }));
  afterAll(() => msw.close());

  it.each([
    ['a 20 MiB body', 20 * MiB],
    ['an endless body', Number.POSITIVE_INFINITY],
  ])(
    'refuses %s from the token endpoint with MalformedResponseError, in one request, and stops reading it',
    async (_, total) => {
      const streams: Array<ReturnType<typeof streamedJson>['stats']> = [];
      msw.use(
        http.post(TOKEN_URL, () => {
          const { body, stats } = streamedJson(
            { access_token: 'at-from-the-big-body', expires_in: 60 },
            total,
          );
          streams.push(stats);
          return new HttpResponse(body, { headers: { 'Content-Type': 'application/json' } });
        }),
      );
      const tokens = serviceClient();

      const error = await tokens.getAccessToken().catch((e: unknown) => e);

      expect(streams).toHaveLength(1); // not retried
      expect(error).toBeInstanceOf(MalformedResponseError);
      expect(error).toMatchObject({ reason: 'too_large', status: 200 });
      expect((error as Error).message).toBe(
        `Token response is malformed: the body is over 1 MiB (HTTP 200) — POST ${TOKEN_URL}`,
      );
      expectNoSecrets(error, SECRET, btoa(`svc:${SECRET}`), 'at-from-the-big-body');
      const [stats] = streams as [(typeof streams)[0]];
      const pulled = stats.pulled;
      await settle();
      expect(stats.pulled).toBe(pulled); // the pull stopped
      expect(pulled).toBeLessThan(MiB + 4 * CHUNK);
      tokens.dispose();
    },
  );

  it('refuses a Content-Length over 1 MiB before reading the body', async () => {
    const streams: Array<ReturnType<typeof streamedJson>['stats']> = [];
    msw.use(
      http.post(TOKEN_URL, () => {
        const { body, stats } = streamedJson({ access_token: 'at' }, Number.POSITIVE_INFINITY);
        streams.push(stats);
        return new HttpResponse(body, { headers: { 'Content-Length': String(20 * MiB) } });
      }),
    );
    const error = await requestToken({ tokenUrl: TOKEN_URL, grantType: 'client_credentials' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error).toMatchObject({ reason: 'too_large', status: 200 });
    await settle();
    expect(streams[0]?.pulled).toBeLessThanOrEqual(CHUNK); // at most what msw's own copy asked for
  });

  it('reads a token response of exactly 1 MiB, and refuses one byte more', async () => {
    let size = MiB;
    msw.use(
      http.post(TOKEN_URL, () => {
        const { body } = streamedJson({ access_token: 'at-1mib', expires_in: 60 }, size);
        return new HttpResponse(body, { headers: { 'Content-Type': 'application/json' } });
      }),
    );
    const response = await requestToken({ tokenUrl: TOKEN_URL, grantType: 'client_credentials' });
    expect(response.access_token).toBe('at-1mib');
    expect((response as unknown as { pad: string }).pad.length).toBe(
      MiB - '{"access_token":"at-1mib","expires_in":60,"pad":""}'.length,
    );

    size = MiB + 1;
    await expect(
      requestToken({ tokenUrl: TOKEN_URL, grantType: 'client_credentials' }),
    ).rejects.toMatchObject({
      code: 'MALFORMED_RESPONSE',
      reason: 'too_large',
    });
  });

  it('decodes UTF-8 split across chunks, as text() does', async () => {
    const bytes = encoder.encode('\u{feff}{"access_token":"tök€n"}');
    msw.use(
      http.post(TOKEN_URL, () => {
        // One byte per chunk: every multi-byte character (and the BOM) is split.
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            for (const byte of bytes) controller.enqueue(Uint8Array.of(byte));
            controller.close();
          },
        });
        return new HttpResponse(body);
      }),
    );
    const response = await requestToken({ tokenUrl: TOKEN_URL, grantType: 'client_credentials' });
    expect(response.access_token).toBe('tök€n');
  });

  it('reads a body from a fetch whose response has text() but no body stream', async () => {
    const fetch: FetchLike = async () => ({
      status: 200,
      headers: new Headers(),
      text: async () => '{"access_token":"at-text"}',
    });
    expect((await requestToken({ tokenUrl: TOKEN_URL, grantType: 'x', fetch })).access_token).toBe('at-text');
    const declared: FetchLike = async () => ({
      status: 200,
      headers: new Headers({ 'Content-Length': String(MiB + 1) }),
      text: () => Promise.reject(new Error('text() must not be read')),
    });
    await expect(
      requestToken({ tokenUrl: TOKEN_URL, grantType: 'x', fetch: declared }),
    ).rejects.toMatchObject({
      reason: 'too_large',
    });
  });

  it('reads a node-fetch body (a Node stream, no getReader), and destroys an endless one at 1 MiB', async () => {
    // node-fetch (often injected for a proxy agent) answers with a Node `Readable` body: before, every
    // token response failed as a "network error" (`getReader is not a function`) and was retried.
    const nodeFetch =
      (body: () => Readable): FetchLike =>
      async () => ({
        status: 200,
        headers: new Headers(),
        body: body() as never,
        text: () => Promise.reject(new Error('text() must not be read')),
      });
    const chunked = () => Readable.from([encoder.encode('{"access_token":"at-n'), encoder.encode('ode"}')]);
    const read = await requestToken({ tokenUrl: TOKEN_URL, grantType: 'x', fetch: nodeFetch(chunked) });
    expect(read.access_token).toBe('at-node');

    let pulled = 0;
    let endless: Readable | undefined;
    const huge = () => {
      endless = new Readable({
        read() {
          pulled += CHUNK;
          this.push(pulled > SAFETY_NET ? null : new Uint8Array(CHUNK));
        },
      });
      return endless;
    };
    await expect(
      requestToken({ tokenUrl: TOKEN_URL, grantType: 'x', fetch: nodeFetch(huge) }),
    ).rejects.toMatchObject({ name: 'MalformedResponseError', reason: 'too_large' });
    expect(pulled).toBeLessThan(2 * MiB);
    expect(endless?.destroyed).toBe(true);
  });

  it('refuses a 20 MiB discovery document with MalformedResponseError, asking no second URL', async () => {
    const issuer = 'https://big-metadata.example.test';
    let requests = 0;
    let stats: ReturnType<typeof streamedJson>['stats'] | undefined;
    msw.use(
      http.get(`${issuer}/.well-known/oauth-authorization-server`, () => {
        requests += 1;
        const streamed = streamedJson({ issuer, token_endpoint: `${issuer}/token` }, 20 * MiB);
        stats = streamed.stats;
        return new HttpResponse(streamed.body, { headers: { 'Content-Type': 'application/json' } });
      }),
    );
    const error = await discover(issuer).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect((error as Error).message).toBe(
      `Discovery response is malformed: the body is over 1 MiB (HTTP 200) — GET ${issuer}/.well-known/oauth-authorization-server`,
    );
    expect(requests).toBe(1);
    expect(stats?.pulled).toBeLessThan(MiB + 4 * CHUNK);
  });

  it('reads a discovery document of exactly 1 MiB', async () => {
    const issuer = 'https://one-mib-metadata.example.test';
    const document = jsonOfSize({ issuer, token_endpoint: `${issuer}/token` }, MiB);
    expect(document.length).toBe(MiB);
    msw.use(http.get(`${issuer}/.well-known/oauth-authorization-server`, () => new HttpResponse(document)));
    expect((await discover(issuer)).token_endpoint).toBe(`${issuer}/token`);
  });

  it('refuses an endless revocation answer with MalformedResponseError, in one request, without the token', async () => {
    let requests = 0;
    let stats: ReturnType<typeof streamedJson>['stats'] | undefined;
    msw.use(
      http.post(REVOCATION_URL, () => {
        requests += 1;
        const streamed = streamedJson({}, Number.POSITIVE_INFINITY);
        stats = streamed.stats;
        return new HttpResponse(streamed.body);
      }),
    );
    const error = await revokeToken({
      revocationUrl: REVOCATION_URL,
      token: 'rt-to-revoke',
      clientId: 'svc',
      clientSecret: SECRET,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect((error as Error).message).toBe(
      `Revocation response is malformed: the body is over 1 MiB (HTTP 200) — POST ${REVOCATION_URL}`,
    );
    expectNoSecrets(error, 'rt-to-revoke', SECRET);
    expect(requests).toBe(1);
    expect(stats?.pulled).toBeLessThan(MiB + 4 * CHUNK);
  });

  it('bounds a body that stalls after the headers by the timeout: TimeoutError, one request', async () => {
    vi.useFakeTimers();
    let requests = 0;
    msw.use(
      http.post(TOKEN_URL, () => {
        requests += 1;
        // Headers and a first chunk, then nothing, ever.
        const body = new ReadableStream<Uint8Array>({
          start: (controller) => controller.enqueue(encoder.encode('{"access_token":')),
        });
        return new HttpResponse(body);
      }),
    );
    const { fetch, arrived } = fetchTellingHeaders();
    const tokens = new TokenManager({
      fetchTokens: clientCredentialsGrant({
        tokenUrl: TOKEN_URL,
        clientId: 'svc',
        clientSecret: SECRET,
        fetch,
      }),
      timeout: 1_000,
      retry: false,
    });
    const pending = tokens.getAccessToken().catch((e: unknown) => e);
    await arrived;
    await vi.advanceTimersByTimeAsync(999);
    expect(requests).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    const error = await pending;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toBe(`Token request timed out after 1000 ms — POST ${TOKEN_URL}`);
    expect(requests).toBe(1);
    tokens.dispose();
  });
});

/** How one answer of the loopback server ended. */
interface Answered {
  /** Bytes of body written before it ended. */
  written: number;
  /** The client closed the connection before the body was complete. */
  cutByClient: boolean;
}

/**
 * A real HTTP server on 127.0.0.1: `write` answers each request; `ended` resolves with how the answer
 * ended (the client cancelling the body closes the connection under it).
 */
async function loopback(write: (response: ServerResponse, count: (bytes: number) => void) => void) {
  const answers: Array<Promise<Answered>> = [];
  const server = createServer((request, response) => {
    request.resume();
    let written = 0;
    answers.push(
      new Promise((resolve) =>
        response.on('close', () => resolve({ written, cutByClient: !response.writableFinished })),
      ),
    );
    write(response, (bytes) => {
      written += bytes;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  return {
    url,
    answers,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes a JSON token response of `total` bytes (`Infinity`: until the safety net), honouring backpressure. */
function writeJson(total: number, headers: Record<string, string> = {}) {
  return (response: ServerResponse, count: (bytes: number) => void) => {
    const filler = Buffer.alloc(CHUNK, 'x');
    let written = 0;
    response.writeHead(200, { 'Content-Type': 'application/json', ...headers });
    response.write('{"access_token":"at-loopback","pad":"');
    const pump = (): void => {
      while (!response.destroyed) {
        if (written >= SAFETY_NET) return void response.destroy();
        if (written + CHUNK > total) return void response.end('"}');
        written += CHUNK;
        count(CHUNK);
        if (!response.write(filler)) return void response.once('drain', pump);
      }
    };
    pump();
  };
}

describe('OAuth endpoint bodies are read up to 1 MiB (real loopback server, platform fetch)', () => {
  it.each([
    ['a 20 MiB body', 20 * MiB],
    ['an endless body', Number.POSITIVE_INFINITY],
  ])('refuses %s in one request and closes the connection under it', async (_, total) => {
    const server = await loopback(writeJson(total));
    try {
      const tokens = new TokenManager({
        fetchTokens: clientCredentialsGrant({ tokenUrl: server.url, clientId: 'svc', clientSecret: SECRET }),
        retry: { minTimeout: 0, randomize: false },
      });
      const error = await tokens.getAccessToken().catch((e: unknown) => e);
      expect(server.answers).toHaveLength(1); // not retried
      expect(error).toBeInstanceOf(MalformedResponseError);
      expect(error).toMatchObject({ reason: 'too_large', status: 200 });
      expectNoSecrets(error, SECRET, 'at-loopback');
      const answered = await server.answers[0];
      expect(answered?.cutByClient).toBe(true);
      expect(answered?.written).toBeLessThan(Math.min(total, SAFETY_NET));
      tokens.dispose();
    } finally {
      await server.close();
    }
  });

  it('refuses a declared 20 MiB body at the headers, and closes the connection', async () => {
    // Headers only: a reader that waited for the body would wait for ever.
    const server = await loopback((response) => {
      response.writeHead(200, { 'Content-Length': String(20 * MiB) });
      response.flushHeaders();
    });
    try {
      const error = await requestToken({ tokenUrl: server.url, grantType: 'client_credentials' }).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'MALFORMED_RESPONSE', reason: 'too_large' });
      expect(await server.answers[0]).toEqual({ written: 0, cutByClient: true });
    } finally {
      await server.close();
    }
  });

  it('reads a body of exactly 1 MiB with its Content-Length', async () => {
    const body = jsonOfSize({ access_token: 'at-1mib' }, MiB);
    const server = await loopback((response) => {
      response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(body.length) });
      response.end(body);
    });
    try {
      const response = await requestToken({ tokenUrl: server.url, grantType: 'client_credentials' });
      expect(response.access_token).toBe('at-1mib');
    } finally {
      await server.close();
    }
  });

  it('closes a connection whose body stalls after the headers when the timeout fires', async () => {
    const server = await loopback((response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.write('{"access_token":');
    });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { fetch, arrived } = fetchTellingHeaders();
      const pending = requestToken({ tokenUrl: server.url, grantType: 'x', fetch, timeout: 500 }).catch(
        (e: unknown) => e,
      );
      await arrived;
      await vi.advanceTimersByTimeAsync(500);
      expect(await pending).toBeInstanceOf(TimeoutError);
      expect(await server.answers[0]).toEqual({ written: 0, cutByClient: true });
    } finally {
      vi.useRealTimers();
      await server.close();
    }
  });
});

/** The platform's fetch, and a promise that resolves once a response's headers have arrived. */
function fetchTellingHeaders(): { fetch: FetchLike; arrived: Promise<void> } {
  let headersArrived!: () => void;
  const arrived = new Promise<void>((resolve) => {
    headersArrived = resolve;
  });
  const fetch: FetchLike = async (url, init) => {
    const response = await globalThis.fetch(url, init);
    headersArrived();
    return response;
  };
  return { fetch, arrived };
}
