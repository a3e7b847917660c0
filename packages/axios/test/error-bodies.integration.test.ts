import { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { buffer as readBytes, text as readText } from 'node:stream/consumers';
import type { TokenManager } from '@tessera/core';
import axios, { type AxiosError, type AxiosInstance, type CreateAxiosDefaults } from 'axios';
import axios112 from 'axios-1-12';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countingTokens } from '../../e2e-support/test-support/counting-tokens.js';
import { loopbackServer } from '../../e2e-support/test-support/loopback-server.js';
import type { LoopbackOrigin } from '../../e2e-support/test-support/redirecting-api.js';
import { attachTokenManager } from '../src/attach-token-manager.js';
import { REDACTED } from '../src/redact-error.js';

// `responseType: 'stream'` and `'blob'` error bodies of an API (or a debugging proxy) that echoes the
// Authorization header it refused, read by the app from `error.response.data`. A real server on
// 127.0.0.1 writing the body in pieces that split the token; axios 1.12.0 and the newest.
let api: LoopbackOrigin;
const managers: TokenManager[] = [];
/** Bytes no text decoding keeps, around what the binary answer quotes. */
const binary = (middle: string) =>
  Buffer.concat([Buffer.from([0xff, 0x00, 0x80]), Buffer.from(middle), Buffer.from([0xc3, 0x28])]);

beforeAll(async () => {
  api = await loopbackServer((seen, res) => {
    const quoted = seen.authorization ?? '';
    const path = seen.path.split('?')[0];
    if (path === '/ok') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`fine: ${quoted}`);
      return;
    }
    const body = path === '/binary' ? binary(quoted) : Buffer.from(`{"detail":"refused: ${quoted}"}`);
    res.writeHead(401, {
      'Content-Type': path === '/binary' ? 'application/octet-stream' : 'application/json',
    });
    // In three writes, each sent before the next: the token split across them.
    const cut = body.indexOf('at-') + 2;
    res.write(body.subarray(0, cut - 4), () =>
      res.write(body.subarray(cut - 4, cut), () => res.end(body.subarray(cut))),
    );
  });
});
afterAll(() => api.close());
afterEach(() => {
  for (const tokens of managers.splice(0)) tokens.dispose();
  api.seen.length = 0;
});

const versions = [
  ['axios 1.12.0', axios112.create.bind(axios112) as unknown as typeof axios.create],
  ['newest axios', axios.create.bind(axios)],
] as const;

describe.each(versions)('%s', (_name, create) => {
  async function setup(extra: CreateAxiosDefaults = {}) {
    const counted = await countingTokens();
    managers.push(counted.tokens);
    const client: AxiosInstance = create({ baseURL: api.origin, ...extra });
    attachTokenManager(client, counted.tokens);
    return { client, ...counted };
  }
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => expect.fail('resolved'),
      (error: AxiosError) => error,
    );

  it('responseType stream (http adapter): the app reads the replay’s 401 body without the token, once', async () => {
    const { client, fetchTokens } = await setup();
    const error = await failure(client.get('/echo', { responseType: 'stream' }));
    expect(error.response?.status).toBe(401);
    expect(fetchTokens).toHaveBeenCalledTimes(1);
    expect(api.seen.map((seen) => seen.authorization)).toEqual(['Bearer at-0', 'Bearer at-1']);
    expect(await readText(error.response?.data as Readable)).toBe(`{"detail":"refused: ${REDACTED}"}`);
  });

  it('responseType stream (http adapter), a binary body: every other byte as sent; a 200 stream is axios’s own', async () => {
    const { client } = await setup();
    const error = await failure(client.get('/binary', { responseType: 'stream' }));
    expect(await readBytes(error.response?.data as Readable)).toEqual(binary(REDACTED));
    const ok = await client.get('/ok', { responseType: 'stream' });
    expect(ok.data).toBeInstanceOf(IncomingMessage);
    expect(await readText(ok.data)).toBe('fine: Bearer at-1');
  });

  it('responseType stream (fetch adapter, a web ReadableStream): read without the token', async () => {
    const { client } = await setup({ adapter: 'fetch' });
    const error = await failure(client.get('/echo', { responseType: 'stream' }));
    expect(error.response?.status).toBe(401);
    expect(await new Response(error.response?.data as ReadableStream).text()).toBe(
      `{"detail":"refused: ${REDACTED}"}`,
    );
  });

  it('responseType blob (fetch adapter): a Blob of the same type without the token, binary bytes kept', async () => {
    const { client } = await setup({ adapter: 'fetch' });
    const error = await failure(client.get('/echo', { responseType: 'blob' }));
    const data = error.response?.data as Blob;
    expect(data.type).toBe('application/json');
    expect(await data.text()).toBe(`{"detail":"refused: ${REDACTED}"}`);
    const bytes = await failure(client.get('/binary', { responseType: 'blob' }));
    const blob = bytes.response?.data as Blob;
    expect(Buffer.from(await blob.arrayBuffer())).toEqual(binary(REDACTED));
  });
});
