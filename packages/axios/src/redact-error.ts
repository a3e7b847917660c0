/** What replaces a credential in an error handed to the caller. */
export const REDACTED = '[REDACTED by @tessera/axios]';

/**
 * Removes `secrets` (the exact header value this package set, e.g. `Bearer <token>`, and the bare
 * token) from an `AxiosError` before the caller sees it, so `JSON.stringify(error)` and
 * `util.inspect(error)` never show them: in `config.headers` (also `response.config`; the header
 * then reads `REDACTED`) and in the known places of the request objects adapters attach
 * (`error.request`): Node's `ClientRequest` (`_header`, its outgoing-headers map), follow-redirects'
 * `_options.headers` and `_currentRequest`, a fetch `Request`'s headers. Only those: never a
 * shared object such as the agent, whose queued requests have not been sent yet. Also what the
 * server echoed back: the response's headers and `data` (see `scrubData`). The request has been
 * sent; nothing here changes what went over the wire.
 */
export function redactError<E>(error: E, secrets: readonly string[]): E {
  const target = error as {
    config?: { headers?: object };
    request?: unknown;
    response?: { request?: unknown; data?: unknown };
  };
  scrubStrings(target.config?.headers, secrets);
  scrubData(target.response, secrets);
  type Redirectable = { _currentRequest?: unknown; _options?: { headers?: object } } | undefined;
  for (const request of [target.request, target.response?.request]) {
    // follow-redirects' wrapper, reached from itself or from the ClientRequest it made.
    const wrappers = [request, (request as { _redirectable?: unknown } | undefined)?._redirectable];
    for (const redirectable of wrappers as Redirectable[]) {
      scrubStrings(redirectable?._options?.headers, secrets);
      scrubRequest(redirectable, secrets);
      scrubRequest(redirectable?._currentRequest, secrets);
    }
  }
  return error;
}

/**
 * What the server sent back, when an API echoes the token (a 401 body or header quoting what it
 * refused): the response's headers, and its `data` as axios made it: a string (`text`, or JSON axios
 * could not parse) and the string values of parsed JSON, its arrays and plain objects (walked without
 * recursion, each once: nesting cannot overflow the stack, a cycle from a `transformResponse` cannot
 * loop). Binary data (`arraybuffer`, `blob`, `stream`) is the caller's to read, as it asked.
 */
function scrubData(
  response: { data?: unknown; headers?: unknown } | undefined,
  secrets: readonly string[],
): void {
  scrubStrings(response?.headers, secrets);
  scrubStrings(response, secrets, ['data']);
  const pending = [response?.data];
  const seen = new Set<unknown>();
  while (pending.length) {
    const target = pending.pop() as object;
    const proto = target && typeof target === 'object' ? Object.getPrototypeOf(target) : undefined;
    if ((proto !== Object.prototype && proto !== Array.prototype && proto !== null) || seen.has(target))
      continue;
    seen.add(target);
    try {
      scrubStrings(target, secrets);
    } catch {
      // frozen by a transformResponse: left as it is, never a TypeError in place of the caller's error
    }
    for (const value of Object.values(target)) if (value && typeof value === 'object') pending.push(value);
  }
}

/** A `ClientRequest`'s head and outgoing headers, or a fetch `Request`'s headers. */
function scrubRequest(request: unknown, secrets: readonly string[]): void {
  if (!request || typeof request !== 'object') return;
  scrubStrings(request, secrets, ['_header']);
  // Its answer (Node's `IncomingMessage`), when the server echoed the token in a header.
  const res = (request as { res?: { headers?: unknown; rawHeaders?: unknown } }).res;
  scrubStrings(res?.headers, secrets);
  scrubStrings(res?.rawHeaders, secrets);
  // The head written before a connection that never came (ECONNREFUSED): only on a dead socket.
  const socket = (request as { socket?: { destroyed?: unknown } }).socket;
  if (socket?.destroyed === true) scrubStrings(socket, secrets, ['_pendingData']);
  for (const key of Object.getOwnPropertySymbols(request)) {
    if (key.description !== 'kOutHeaders') continue;
    const entries = (request as Record<symbol, Record<string, unknown> | null>)[key];
    for (const entry of Object.values(entries ?? {})) scrubStrings(entry, secrets);
  }
  const headers = (request as { headers?: unknown }).headers;
  if (typeof Headers !== 'undefined' && headers instanceof Headers) {
    try {
      for (const [name, value] of [...headers]) if (hasSecret(value, secrets)) headers.set(name, REDACTED);
    } catch {
      // immutable headers: nothing we can do
    }
  }
}

/** Rewrites own string properties (all, or only `keys`) of `target` that hold a secret. */
function scrubStrings(target: unknown, secrets: readonly string[], keys?: readonly string[]): void {
  if (!target || typeof target !== 'object') return;
  const record = target as Record<string, unknown>;
  for (const key of keys ?? Object.keys(record)) {
    const value = record[key];
    if (typeof value !== 'string' || !hasSecret(value, secrets)) continue;
    let text = value;
    for (const secret of secrets) text = text.split(secret).join(REDACTED);
    record[key] = text;
  }
}

function hasSecret(value: string, secrets: readonly string[]): boolean {
  return secrets.some((secret) => value.includes(secret));
}
