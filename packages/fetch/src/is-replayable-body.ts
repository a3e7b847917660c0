/**
 * Whether `body` (a `RequestInit.body`) can be handed to `fetch` a second time as it is: `null`,
 * strings, `ArrayBuffer` and its views, `Blob`/`File`, `URLSearchParams` and `FormData` can (fetch
 * re-encodes FormData with a new multipart boundary each time). A `ReadableStream`, an async
 * iterable or anything else is read once: such a request is never replayed, and never `tee()`d.
 */
export function isReplayableBody(body: unknown): boolean {
  if (body === undefined || body === null || typeof body === 'string') return true;
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return true;
  if (typeof Blob !== 'undefined' && body instanceof Blob) return true;
  if (body instanceof URLSearchParams) return true;
  if (typeof FormData !== 'undefined' && body instanceof FormData) return true;
  return false;
}
