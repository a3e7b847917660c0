/**
 * Whether axios can send `data` (the request body after `transformRequest`) a second time with the
 * same bytes. A Node `Readable` (or anything with `pipe`, such as the `form-data` package), a web
 * `ReadableStream`, an async iterable or any other stream-like body is read once: a replay would
 * send it empty, so such a request is never replayed (its 401 reaches the caller).
 */
export function isReplayableBody(data: unknown): boolean {
  if (data === undefined || data === null || typeof data !== 'object') return true;
  const {
    pipe,
    getReader,
    [Symbol.asyncIterator]: iterator,
  } = data as {
    pipe?: unknown;
    getReader?: unknown;
    [Symbol.asyncIterator]?: unknown;
  };
  return typeof pipe !== 'function' && typeof getReader !== 'function' && typeof iterator !== 'function';
}
