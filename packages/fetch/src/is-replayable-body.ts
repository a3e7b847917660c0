/**
 * Whether `body` (a `RequestInit.body`) can be handed to `fetch` a second time as it is: `null`,
 * strings, `ArrayBuffer` and its views, `Blob`/`File`, `URLSearchParams` and `FormData` can (fetch
 * re-encodes FormData with a new multipart boundary each time). A `ReadableStream`, an async
 * iterable or anything else is read once: such a request is never replayed, and never `tee()`d.
 */
export function isReplayableBody(body: unknown): boolean {
  return (
    body === undefined ||
    body === null ||
    typeof body === 'string' ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    (typeof Blob !== 'undefined' && body instanceof Blob) ||
    body instanceof URLSearchParams ||
    (typeof FormData !== 'undefined' && body instanceof FormData)
  );
}
