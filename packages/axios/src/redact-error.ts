import { redactor } from './core.js';

/** What replaces a credential in an error handed to the caller. */
export const REDACTED = '[REDACTED by @tessera/axios]';

/** `text` without the secrets in any encoding (core's `redactor`, our marker); `text` itself when none is in it. */
type Clean = (text: string) => string;

/**
 * Removes `secrets` (the exact header value this package set, e.g. `Bearer <token>`, and the bare
 * token) from an `AxiosError` before the caller sees it, so `JSON.stringify(error)` and
 * `util.inspect(error)` never show them: in `config.headers` (also `response.config`; the header
 * then reads `REDACTED`) and in the known places of the request objects adapters attach
 * (`error.request`): Node's `ClientRequest` (`_header`, its outgoing-headers map), follow-redirects'
 * `_options.headers` and `_currentRequest`, a fetch `Request`'s headers. Only those: never a
 * shared object such as the agent, whose queued requests have not been sent yet. Also what the
 * server echoed back: the response's headers and `data` (see `scrubData`). Every encoding of a
 * secret core's `redactor` knows (percent, JSON, Base64, base64url…) is found, in any ASCII case.
 * The request has been sent; nothing here changes what went over the wire.
 */
export function redactError<E>(error: E, secrets: readonly string[]): E {
  const clean = cleaner(secrets);
  const target = error as {
    config?: { headers?: object };
    request?: unknown;
    response?: { request?: unknown; data?: unknown };
  };
  scrubStrings(target.config?.headers, clean);
  scrubData(target.response, clean, 6 * Math.max(0, ...secrets.map((secret) => secret.length)));
  type Redirectable = { _currentRequest?: unknown; _options?: { headers?: object } } | undefined;
  for (const request of [target.request, target.response?.request]) {
    // follow-redirects' wrapper, reached from itself or from the ClientRequest it made.
    const wrappers = [request, (request as { _redirectable?: unknown } | undefined)?._redirectable];
    for (const redirectable of wrappers as Redirectable[]) {
      scrubStrings(redirectable?._options?.headers, clean);
      scrubRequest(redirectable, clean);
      scrubRequest(redirectable?._currentRequest, clean);
    }
  }
  return error;
}

/**
 * `redactError`, then a `blob` body (browsers; the fetch adapter in Node): read (it is in memory already)
 * before the error is handed over and, when it quotes a secret, replaced by a `Blob` of the same `type`
 * without it; every other byte as it was. One that cannot be read is left.
 */
export async function redactErrorBody<E>(error: E, secrets: readonly string[]): Promise<E> {
  redactError(error, secrets);
  const response = (error as { response?: { data?: unknown } }).response;
  const data = response?.data as Blob;
  // By its tag, not `instanceof`: a Blob of another realm or implementation (node-fetch's, as axios's `env.fetch`).
  if (
    typeof Blob === 'function' &&
    /^\[object (Blob|File)]$/.test(Object.prototype.toString.call(data)) &&
    !made.has(data)
  ) {
    try {
      const text = latin1(new Uint8Array(await data.arrayBuffer()));
      const kept = cleaner(secrets)(text);
      if (kept !== text) replaceData(response, new Blob([bytesOf(kept)], { type: data.type }));
    } catch {
      // unreadable (a closed file's Blob): left as it is, never another error in place of the caller's
    }
  }
  return error;
}

/** A body this module made (a replay's error is redacted twice): never wrapped or read again. */
const made = new WeakSet<object>();

/** Puts `body`, which this module made, in place of the response's `data`. */
function replaceData(response: unknown, body: object): void {
  made.add(body);
  (response as { data: unknown }).data = body;
}

/** `text` without the secrets in any encoding (core's `redactor`, our marker); `text` itself when none is in it. */
function cleaner(secrets: readonly string[]): Clean {
  const redact = redactor(secrets);
  return (text) => {
    const redacted = redact(text);
    return redacted === text ? text : redacted.replaceAll('[redacted]', REDACTED);
  };
}

/** One character per byte (latin1): an ASCII token is found, and every other byte comes back as it was (`bytesOf`). */
function latin1(bytes: Uint8Array): string {
  // 8 KiB per call each way: byte by byte, a 32 MiB body held the event loop for 12 s (20 s quoting the token).
  let text = '';
  for (let at = 0; at < bytes.length; at += 8192)
    text += String.fromCharCode.apply(null, bytes.subarray(at, at + 8192) as unknown as number[]);
  return text;
}

function bytesOf(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(text.length);
  for (let at = 0; at < text.length; at++) bytes[at] = text.charCodeAt(at);
  return bytes;
}

/**
 * A body read in chunks, redacted: each chunk's bytes with the last `keep` characters (6 times the
 * longest secret: any encoding of it) held back for the next, as a secret may straddle two chunks
 * (all of them while a replacement reaches into those); the end (no chunk) gives what is held.
 */
function redactChunks(clean: Clean, keep: number): (chunk?: Uint8Array) => Uint8Array {
  let held = '';
  return (chunk) => {
    const text = held + (chunk ? latin1(chunk) : '');
    const kept = clean(text);
    held = text;
    if (!chunk) return bytesOf(kept);
    // A secret found only across a line break: `clean` gave the text without its line breaks, so the tail too.
    const tail = text.slice(-keep);
    const end = /[\r\n]/.test(kept) ? tail : tail.replace(/[\r\n]/g, '');
    if (kept.length <= keep || !kept.endsWith(end)) return new Uint8Array();
    held = tail;
    return bytesOf(kept.slice(0, kept.length - end.length));
  };
}

/** Passes `bytes` on unless empty (a web stream's reader would see an empty chunk). */
function enqueue(out: TransformStreamDefaultController<Uint8Array>, bytes: Uint8Array): void {
  if (bytes.length) out.enqueue(bytes);
}

/** The parts of Node's `stream` module a `stream` body is redacted with (asked of `process.getBuiltinModule`: no import). */
interface NodeStreams {
  Transform: new (options: {
    transform(chunk: Uint8Array, encoding: string, done: (error: null, chunk: Uint8Array) => void): void;
    flush(done: (error: null, chunk: Uint8Array) => void): void;
  }) => object;
  pipeline(source: object, target: object, done: () => void): void;
}

/**
 * What the server sent back, when an API echoes the token (a 401 body or header quoting what it
 * refused, also Base64- or percent-encoded): the response's headers, and its `data` as axios made it:
 * a string (`text`, or JSON axios could not parse); the keys and string values of parsed JSON, its
 * arrays and plain objects (walked without recursion, each once: nesting cannot overflow the stack, a
 * cycle from a `transformResponse` cannot loop); `arraybuffer` bytes (an `ArrayBuffer`, Node's
 * `Buffer`, any other view or a `SharedArrayBuffer`), replaced by a copy without the secret; a `stream`
 * (Node's, or a web `ReadableStream` from the fetch adapter) replaced by one that gives its bytes without
 * it (`redactChunks`), read only as the caller reads it. A `blob`: `redactErrorBody`.
 */
function scrubData(
  response: { data?: unknown; headers?: unknown } | undefined,
  clean: Clean,
  keep: number,
): void {
  scrubStrings(response?.headers, clean);
  scrubStrings(response, clean, ['data']);
  const data = response?.data;
  // Any view (a `DataView`, a `Uint16Array` a transformResponse made), a `SharedArrayBuffer`, another realm's ArrayBuffer.
  const bytes = ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : /ArrayBuffer]$/.test(Object.prototype.toString.call(data)) && new Uint8Array(data as ArrayBuffer);
  if (bytes) {
    const text = latin1(bytes);
    const kept = clean(text);
    if (kept !== text) {
      const copy = bytesOf(kept);
      // A Uint8Array (Node's `Buffer`) of its own kind, a `DataView` as one; anything else as an `ArrayBuffer`.
      (response as { data: unknown }).data =
        data instanceof Uint8Array
          ? (data.constructor as typeof Uint8Array).from(copy)
          : data instanceof DataView
            ? new DataView(copy.buffer)
            : copy.buffer;
    }
  }
  const node = (
    globalThis as { process?: { getBuiltinModule?(id: string): unknown } }
  ).process?.getBuiltinModule?.('node:stream') as NodeStreams | undefined;
  const stream = data as { pipe?: unknown; readableObjectMode?: boolean };
  if (stream && !made.has(stream)) {
    const next = redactChunks(clean, keep);
    if (node && typeof stream.pipe === 'function' && !stream.readableObjectMode) {
      const out = new node.Transform({
        transform: (chunk, _, done) => done(null, next(chunk)),
        flush: (done) => done(null, next()),
      });
      // The source's error reaches a caller who reads `out` (pipeline listens: none crashes one who does
      // not, as Node's `IncomingMessage` emits none without a listener); a caller who destroys `out` ends the source.
      node.pipeline(stream, out, () => undefined);
      replaceData(response, out);
    } else if (typeof ReadableStream === 'function' && stream instanceof ReadableStream && !stream.locked) {
      const piped = stream.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform: (chunk, out) => enqueue(out, next(chunk)),
          flush: (out) => enqueue(out, next()),
        }),
      );
      replaceData(response, piped);
    }
  }
  const pending = [data];
  const seen = new Set<unknown>();
  while (pending.length) {
    const target = pending.pop() as Record<string, unknown>;
    const proto = target && typeof target === 'object' ? Object.getPrototypeOf(target) : undefined;
    if ((proto !== Object.prototype && proto !== Array.prototype && proto !== null) || seen.has(target))
      continue;
    seen.add(target);
    try {
      // A key that quotes the token (`{"Bearer …": "refused"}`): renamed. An array's indexes are left.
      if (proto !== Array.prototype)
        for (const key of Object.keys(target)) {
          const name = clean(key);
          if (name !== key) {
            target[name] = target[key];
            delete target[key];
          }
        }
      scrubStrings(target, clean);
    } catch {
      // frozen by a transformResponse: left as it is, never a TypeError in place of the caller's error
    }
    for (const value of Object.values(target)) if (value && typeof value === 'object') pending.push(value);
  }
}

/** A `ClientRequest`'s head and outgoing headers, or a fetch `Request`'s headers. */
function scrubRequest(request: unknown, clean: Clean): void {
  if (!request || typeof request !== 'object') return;
  scrubStrings(request, clean, ['_header']);
  // Its answer (Node's `IncomingMessage`), when the server echoed the token in a header.
  const res = (request as { res?: { headers?: unknown; rawHeaders?: unknown } }).res;
  scrubStrings(res?.headers, clean);
  scrubStrings(res?.rawHeaders, clean);
  // The head written before a connection that never came (ECONNREFUSED): only on a dead socket.
  const socket = (request as { socket?: { destroyed?: unknown } }).socket;
  if (socket?.destroyed === true) scrubStrings(socket, clean, ['_pendingData']);
  for (const key of Object.getOwnPropertySymbols(request)) {
    if (key.description !== 'kOutHeaders') continue;
    const entries = (request as Record<symbol, Record<string, unknown> | null>)[key];
    for (const entry of Object.values(entries ?? {})) scrubStrings(entry, clean);
  }
  const headers = (request as { headers?: unknown }).headers;
  if (typeof Headers !== 'undefined' && headers instanceof Headers) {
    try {
      for (const [name, value] of [...headers]) if (clean(value) !== value) headers.set(name, clean(value));
    } catch {
      // immutable headers: nothing we can do
    }
  }
}

/** Rewrites own string properties (all, or only `keys`) of `target` that hold a secret. */
function scrubStrings(target: unknown, clean: Clean, keys?: readonly string[]): void {
  if (!target || typeof target !== 'object') return;
  const record = target as Record<string, unknown>;
  for (const key of keys ?? Object.keys(record)) {
    const value = record[key];
    if (typeof value === 'string' && clean(value) !== value) record[key] = clean(value);
  }
}
