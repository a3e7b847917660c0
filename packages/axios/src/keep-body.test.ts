import { describe, expect, it } from 'vitest';
import { keepBody } from './keep-body.js';

const encoder = new TextEncoder();

/** A stream that gives `chunks` and stays open until `close()`. */
function openStream(chunks: string[]) {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      for (const chunk of chunks) c.enqueue(encoder.encode(chunk));
    },
  });
  return { stream, close: () => controller.close() };
}

describe('keepBody', () => {
  it('keeps every chunk of a body that ends within the limit', async () => {
    const { stream, close } = openStream(['chunk-1,', 'chunk-2']);
    const kept = keepBody(stream, 100);
    close();
    expect(new TextDecoder().decode(await kept.bytes)).toBe('chunk-1,chunk-2');
  });

  it('gives up (undefined) on a body larger than the limit and cancels it', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull: (controller) => controller.enqueue(new Uint8Array(64)), // never ends
      cancel: () => {
        cancelled = true;
      },
    });
    await expect(keepBody(stream, 1000).bytes).resolves.toBeUndefined();
    expect(cancelled).toBe(true);
  });

  it('never resolves with a partial body when released while reading', async () => {
    const { stream } = openStream(['half of it']);
    const kept = keepBody(stream, 100);
    await Promise.resolve();
    kept.release();
    await expect(kept.bytes).resolves.toBeUndefined();
  });

  it('gives up on a body that fails', async () => {
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => controller.error(new Error('boom')),
    });
    await expect(keepBody(stream, 100).bytes).resolves.toBeUndefined();
  });
});
