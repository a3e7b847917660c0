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
  const redact = redactor(secrets);
  const clean: Clean = (text) => {
    const redacted = redact(text);
    return redacted === text ? text : redacted.replaceAll('[redacted]', REDACTED);
  };
  const target = error as {
    config?: { headers?: object };
    request?: unknown;
    response?: { request?: unknown; data?: unknown };
  };
  scrubStrings(target.config?.headers, clean);
  scrubData(target.response, clean);
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
 * What the server sent back, when an API echoes the token (a 401 body or header quoting what it
 * refused, also Base64- or percent-encoded): the response's headers, and its `data` as axios made it:
 * a string (`text`, or JSON axios could not parse); the keys and string values of parsed JSON, its
 * arrays and plain objects (walked without recursion, each once: nesting cannot overflow the stack, a
 * cycle from a `transformResponse` cannot loop); `arraybuffer` bytes (an `ArrayBuffer`, Node's
 * `Buffer`, any other view or a `SharedArrayBuffer`), replaced by a copy without the secret. A `blob`
 * or `stream` is left: it is read asynchronously (a stream once only), after the error is handed over.
 */
function scrubData(response: { data?: unknown; headers?: unknown } | undefined, clean: Clean): void {
  scrubStrings(response?.headers, clean);
  scrubStrings(response, clean, ['data']);
  const data = response?.data;
  // Any view (a `DataView`, a `Uint16Array` a transformResponse made), a `SharedArrayBuffer`, another realm's ArrayBuffer.
  const bytes = ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : /ArrayBuffer]$/.test(Object.prototype.toString.call(data)) && new Uint8Array(data as ArrayBuffer);
  if (bytes) {
    // One character per byte (latin1): an ASCII token is found, and every other byte comes back as it was.
    // 8 KiB per call each way: byte by byte, a 32 MiB body held the event loop for 12 s (20 s quoting the token).
    let text = '';
    for (let at = 0; at < bytes.length; at += 8192)
      text += String.fromCharCode.apply(null, bytes.subarray(at, at + 8192) as unknown as number[]);
    const kept = clean(text);
    if (kept !== text) {
      const copy = new Uint8Array(kept.length);
      for (let at = 0; at < kept.length; at++) copy[at] = kept.charCodeAt(at);
      // A Uint8Array (Node's `Buffer`) of its own kind, a `DataView` as one; anything else as an `ArrayBuffer`.
      (response as { data: unknown }).data =
        data instanceof Uint8Array
          ? (data.constructor as typeof Uint8Array).from(copy)
          : data instanceof DataView
            ? new DataView(copy.buffer)
            : copy.buffer;
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
