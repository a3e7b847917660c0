import { Readable } from 'node:stream';
import { text as readText } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { REDACTED, redactError, redactErrorBody } from './redact-error.js';

// A `blob` or `stream` error body that quotes the token (an API or a debugging proxy echoing the
// request's Authorization header): what the caller reads from `error.response.data`.
const secrets = ['Bearer at-0', 'at-0'];
const echoed = 'refused: Bearer at-0, or as Base64: QmVhcmVyIGF0LTA=.';
const redacted = `refused: ${REDACTED}, or as Base64: ${REDACTED}.`;
/** Bytes no text decoding keeps (non-UTF-8), around the quoted header. */
const binary = (middle: string) =>
  Buffer.concat([
    Buffer.from([0xff, 0x00, 0x80, 0xfe]),
    Buffer.from(middle),
    Buffer.from([0xc3, 0x28, 0x00]),
  ]);

/** A Node stream giving `chunks` one by one, each its own `data` event. */
const nodeStream = (chunks: Buffer[]) => Readable.from(chunks, { objectMode: false });
/** A web `ReadableStream` (the fetch adapter's `stream`) giving `chunks` one by one. */
const webStream = (chunks: Uint8Array[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
/** Every character its own chunk: the token split at every possible place. */
const oneByOne = (bytes: Buffer) => [...bytes].map((byte) => Buffer.from([byte]));
const errorWith = (data: unknown) => ({ response: { status: 401, data } });

describe('redactErrorBody: responseType blob', () => {
  it('a Blob quoting the token (raw, Base64) becomes a Blob of the same type without it, read before it is handed over', async () => {
    const error = await redactErrorBody(errorWith(new Blob([echoed], { type: 'text/plain' })), secrets);
    const data = error.response.data as Blob;
    expect(data).toBeInstanceOf(Blob);
    expect(data.type).toBe('text/plain');
    expect(await data.text()).toBe(redacted);
  });

  it('a binary Blob: every other byte kept; one that quotes nothing is the same Blob', async () => {
    const quoting = await redactErrorBody(errorWith(new Blob([binary('Bearer at-0')])), secrets);
    expect(Buffer.from(await (quoting.response.data as Blob).arrayBuffer())).toEqual(binary(REDACTED));
    const clean = new Blob([binary('nothing here')], { type: 'image/png' });
    expect((await redactErrorBody(errorWith(clean), secrets)).response.data).toBe(clean);
  });

  it('a Blob of another realm or implementation (node-fetch’s, as axios’s env.fetch) quoting the token: replaced too', async () => {
    /** What fetch-blob (node-fetch 3) makes: a Blob by its tag, not an instance of this realm's `Blob`. */
    class ForeignBlob {
      readonly #bytes: Buffer;
      constructor(
        text: string,
        readonly type: string,
      ) {
        this.#bytes = Buffer.from(text);
      }
      get [Symbol.toStringTag]() {
        return 'Blob';
      }
      arrayBuffer = async () => new Uint8Array(this.#bytes).buffer;
    }
    const foreign = new ForeignBlob(echoed, 'text/plain');
    expect(foreign).not.toBeInstanceOf(Blob);
    const data = (await redactErrorBody(errorWith(foreign), secrets)).response.data as Blob;
    expect(data.type).toBe('text/plain');
    expect(await data.text()).toBe(redacted);
  });

  it('a Blob that cannot be read is left, and the caller still gets its own error', async () => {
    const unreadable = new Blob(['x']);
    unreadable.arrayBuffer = () => Promise.reject(new Error('NotReadableError'));
    const error = errorWith(unreadable);
    await expect(redactErrorBody(error, secrets)).resolves.toBe(error);
    expect(error.response.data).toBe(unreadable);
  });
});

describe('redactError: responseType stream', () => {
  it.each([
    ['in one chunk', (bytes: Buffer) => [bytes]],
    ['split at every byte', oneByOne],
  ])('a Node stream quoting the token (%s): the caller reads it without it', async (_name, split) => {
    const error = redactError(errorWith(nodeStream(split(Buffer.from(echoed)))), secrets);
    expect(await readText(error.response.data as Readable)).toBe(redacted);
  });

  it('a binary Node stream: its bytes as they were, in order, read once by the caller', async () => {
    const bytes = Buffer.concat(Array.from({ length: 256 }, (_, i) => binary(`chunk ${i}, no token`)));
    let reads = 0;
    const source = nodeStream(oneByOne(bytes).concat([]));
    source.on('data', () => reads++); // counts what leaves the source: each byte once
    source.pause();
    const error = redactError(errorWith(source), secrets);
    const chunks: Buffer[] = [];
    for await (const chunk of error.response.data as Readable) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks)).toEqual(bytes);
    expect(reads).toBe(bytes.length);
    const split = redactError(errorWith(nodeStream(oneByOne(binary('Bearer at-0')))), secrets);
    const all: Buffer[] = [];
    for await (const chunk of split.response.data as Readable) all.push(chunk as Buffer);
    expect(Buffer.concat(all)).toEqual(binary(REDACTED));
  });

  it('a Node stream that fails mid-body: the caller reading it gets the failure; one that does not read it, no crash', async () => {
    const failing = () =>
      new Readable({
        read() {
          this.push(Buffer.from('refused: Bearer '));
          this.destroy(new Error('socket hang up'));
        },
      });
    const read = redactError(errorWith(failing()), secrets);
    await expect(readText(read.response.data as Readable)).rejects.toThrow('socket hang up');
    const ignored = redactError(errorWith(failing()), secrets);
    (ignored.response.data as Readable).resume(); // flows with no 'error' listener of the caller's
    await new Promise((resolve) => (ignored.response.data as Readable).on('close', resolve));
  });

  it.each([
    ['in one chunk', (bytes: Buffer) => [bytes]],
    ['split at every byte', oneByOne],
  ])(
    'a web ReadableStream (the fetch adapter) quoting the token (%s): read without it',
    async (_name, split) => {
      const error = redactError(errorWith(webStream(split(Buffer.from(echoed)))), secrets);
      expect(await new Response(error.response.data as ReadableStream).text()).toBe(redacted);
    },
  );

  it.each([
    ['a Node stream', nodeStream],
    ['a web ReadableStream', webStream],
  ])(
    '%s quoting the token as Base64 wrapped across a line break: the rest comes as it arrives, not held to its end',
    async (_name, stream) => {
      const lines = Array.from({ length: 2000 }, (_, i) => `line ${i}: ordinary text\n`).join('');
      const body = Buffer.from(`refused:\nQmVhcmVy\nIGF0LTA=\n${lines}`);
      const chunks: Buffer[] = [];
      for (let at = 0; at < body.length; at += 1024) chunks.push(body.subarray(at, at + 1024));
      const error = redactError(errorWith(stream(chunks)), secrets);
      const read: Buffer[] = [];
      const data = error.response.data as Readable | ReadableStream<Uint8Array>;
      // Each piece as it is given on (a Node stream's 'data' events; iterating one joins what is buffered).
      if (data instanceof Readable) {
        data.on('data', (chunk: Buffer) => read.push(chunk));
        await new Promise((resolve) => data.on('end', resolve));
      } else
        for await (const chunk of data as unknown as AsyncIterable<Uint8Array>) read.push(Buffer.from(chunk));
      const text = Buffer.concat(read).toString('latin1');
      // Where the wrapped token was found its line breaks are gone (core's rule); after it, every byte as it came.
      expect(text.replace(/\n/g, '')).toBe(`refused:${REDACTED}${lines.replace(/\n/g, '')}`);
      expect(text.endsWith(lines.slice(-200))).toBe(true);
      // Given on as read, each piece at most a chunk and what is held for a token straddling two.
      expect(Math.max(...read.map((chunk) => chunk.length))).toBeLessThan(2048);
    },
  );

  it('redacted twice (a replay’s error passes the interceptor and the replay’s settling): wrapped once', () => {
    const error = redactError(errorWith(nodeStream([Buffer.from(echoed)])), secrets);
    const once = error.response.data;
    expect(redactError(error, secrets).response.data).toBe(once);
  });
});
