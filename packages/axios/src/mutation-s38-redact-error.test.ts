import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { REDACTED, redactError, redactErrorBody } from './redact-error.js';

// Mutants of stop 38's blob/stream redaction that the other tests let live: what the caller reading
// `error.response.data` sees (its bytes, when they arrive, its chunks), and what is left alone.
const secrets = ['Bearer at-0', 'at-0'];
/** 6 × the longest secret (`Bearer at-0`, 11): what a stream holds back for a secret split across chunks. */
const keep = 66;
const echoed = 'refused: Bearer at-0, or as Base64: QmVhcmVyIGF0LTA=.';
const redacted = `refused: ${REDACTED}, or as Base64: ${REDACTED}.`;
const errorWith = (data: unknown) => ({ response: { status: 401, data } });
/** One turn of the event loop: what a stream has passed on by then. */
const turn = () => new Promise((resolve) => setImmediate(resolve));
const body = Buffer.from('x'.repeat(1000));

describe('stream bodies arrive while they stream', () => {
  it('a Node stream still open: all but the last 6 × secret bytes reach the caller now, the rest at its end', async () => {
    const source = new PassThrough();
    const out = redactError(errorWith(source), secrets).response.data as Readable;
    source.write(body);
    await turn();
    expect(out.read()).toEqual(body.subarray(0, body.length - keep));
    source.end();
    await turn();
    expect(out.read()).toEqual(body.subarray(body.length - keep));
  });

  it('a web ReadableStream still open: the same, and never an empty chunk', async () => {
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const source = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
      },
    });
    const reader = (
      redactError(errorWith(source), secrets).response.data as ReadableStream<Uint8Array>
    ).getReader();
    controller.enqueue(body);
    const first = await Promise.race([reader.read(), turn().then(() => 'nothing yet')]);
    expect(first).toEqual({ done: false, value: new Uint8Array(body.subarray(0, body.length - keep)) });
    controller.close();
    expect(await reader.read()).toEqual({
      done: false,
      value: new Uint8Array(body.subarray(body.length - keep)),
    });
    expect((await reader.read()).done).toBe(true);
  });

  it('a web ReadableStream quoting the token one byte per chunk: its reader gets no empty chunk', async () => {
    const bytes = Buffer.from(echoed);
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(new Uint8Array([byte]));
        controller.close();
      },
    });
    const reader = (
      redactError(errorWith(source), secrets).response.data as ReadableStream<Uint8Array>
    ).getReader();
    const chunks: Uint8Array[] = [];
    for (let read = await reader.read(); !read.done; read = await reader.read()) chunks.push(read.value);
    expect(chunks.map((chunk) => chunk.length)).not.toContain(0);
    expect(Buffer.concat(chunks).toString('latin1')).toBe(redacted);
  });
});

describe('bodies left as they are', () => {
  it('an object-mode stream (a transformResponse made it): the same stream, its objects unread', async () => {
    const objects = Readable.from([{ note: 'Bearer at-0' }]);
    const error = redactError(errorWith(objects), secrets);
    expect(error.response.data).toBe(objects);
    expect(await objects.toArray()).toEqual([{ note: 'Bearer at-0' }]);
  });

  it('a web ReadableStream the app already locked: the same stream, and the caller still gets its error', () => {
    const locked = new ReadableStream<Uint8Array>();
    locked.getReader();
    const error = errorWith(locked);
    expect(redactError(error, secrets)).toBe(error);
    expect(error.response.data).toBe(locked);
  });

  it('a Blob it made (a replay’s error redacted twice) is not read again', async () => {
    const error = await redactErrorBody(errorWith(new Blob([echoed], { type: 'text/plain' })), secrets);
    const made = error.response.data as Blob;
    let reads = 0;
    const read = made.arrayBuffer.bind(made);
    made.arrayBuffer = () => {
      reads++;
      return read();
    };
    await redactErrorBody(error, secrets);
    expect(error.response.data).toBe(made);
    expect(reads).toBe(0);
    expect(await made.text()).toBe(redacted);
  });
});
