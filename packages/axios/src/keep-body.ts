/** A copy of a request body being kept while the first send goes out. */
export interface KeptBody {
  /**
   * The bytes, once the body has been read to its end; `undefined` when it was larger than the
   * limit, failed, or was released first (never a partial body).
   */
  bytes: Promise<Uint8Array<ArrayBuffer> | undefined>;
  /** Stops keeping (the copy is not needed, or the request was aborted): cancels the reader, never throws. */
  release(): void;
}

/**
 * Reads `stream` (one branch of a `tee()` of a request body) into memory, up to `limit` bytes, so
 * that a 307/308 can send the same bytes again. Beyond `limit` the copy is given up (`undefined`):
 * such a body is never sent again, and never sent empty or cut short.
 */
export function keepBody(stream: ReadableStream<Uint8Array>, limit: number): KeptBody {
  const reader = stream.getReader();
  let released = false;
  const read = async (): Promise<Uint8Array<ArrayBuffer> | undefined> => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (released) return undefined; // a cancelled read ends as if done: never a partial body
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel();
        return undefined;
      }
      chunks.push(value);
    }
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.byteLength;
    }
    return bytes;
  };
  return {
    bytes: read().catch(() => undefined),
    release: () => {
      released = true;
      reader.cancel().catch(() => undefined);
    },
  };
}
