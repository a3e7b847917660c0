import { MalformedResponseError } from './errors/malformed-response-error.js';
import type { OAuthFetchResponse } from './fetch-like.js';

/** A body's chunks: a web stream's reader, or a Node stream's async iterator. */
interface Chunks {
  read?(): Promise<ReadableStreamReadResult<Uint8Array>>;
  next?(): Promise<ReadableStreamReadResult<Uint8Array>>;
  cancel?(): Promise<void>;
  return?(): Promise<unknown>;
}

/** The most bytes of an OAuth endpoint's body read: 1 MiB (decision 0805). */
const MAX_BYTES = 1 << 20;

/**
 * Reads the body of an OAuth endpoint's answer as JSON, reading at most 1 MiB of it: the one reader
 * of every token, discovery and revocation response, and of `dpop.fetch`'s nonce check. A
 * `Content-Length` over the cap is refused before a byte is read; a longer body (or one that never
 * ends) is cancelled at the cap. A Node stream body (node-fetch) is read the same way, through its async iterator; a response
 * without a `body` stream is read with `text()`. One leading byte order mark is dropped on both paths.
 *
 * @param where `METHOD origin+path`, for the message.
 * @param request what was sent, for the message. @default 'Token request'
 * @param signal once aborted, the body is cancelled (the result no longer matters).
 * @returns the parsed body, or `undefined` when it is not JSON.
 * @throws {MalformedResponseError} reason `too_large`, whatever the status (never retried).
 */
export async function readJsonBody(
  response: OAuthFetchResponse,
  where: string,
  request?: string,
  signal?: AbortSignal,
): Promise<unknown> {
  // A web stream is read with its reader; a Node stream (node-fetch's body, no `getReader`) is
  // async-iterable, and read the same way: `next` for `read`, `destroy` (or `return`) for `cancel`.
  const body = response.body as
    | (ReadableStream<Uint8Array> & Partial<AsyncIterable<Uint8Array>> & { destroy?(): unknown })
    | null;
  const reader: Chunks | undefined = body?.getReader
    ? body.getReader()
    : (body?.[Symbol.asyncIterator]?.() as Chunks | undefined);
  const decoder = new TextDecoder();
  let text = '';
  let size = +response.headers.get('content-length')!;
  // Not awaited: a stream tee'd by `clone()` is cancelled only once both copies are. A Node stream is
  // destroyed: its iterator's `return` would wait for a pending `next`, which a stalled stream never ends.
  const cancel = (): unknown =>
    Promise.resolve(
      reader?.cancel ? reader.cancel() : body?.destroy ? body.destroy() : reader?.return?.(),
    ).catch(() => undefined);
  // Aborted (a timeout): a `fetch` that ignores its signal once the headers came (msw's streams, some
  // custom fetches) would leave an endless body read for ever. Cancelled, its pending read ends.
  signal?.aborted ? cancel() : signal?.addEventListener('abort', cancel);
  try {
    for (size = size > MAX_BYTES ? size : 0; reader && size <= MAX_BYTES; ) {
      const { done, value } = await (reader.read ?? reader.next!).call(reader);
      if (done) break;
      size += value.length;
      if (size <= MAX_BYTES) text += decoder.decode(value, { stream: true });
    }
  } finally {
    signal?.removeEventListener('abort', cancel);
  }
  if (size > MAX_BYTES) {
    cancel();
    throw new MalformedResponseError('too_large', 'the body is over 1 MiB', where, response.status, request);
  }
  // A leading byte order mark is dropped, once: what the decoder (and a real Response's `text()`) does.
  text = reader ? text + decoder.decode() : (await response.text()).replace(/^\uFEFF/, '');
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
