/** What replaces a credential in an error handed to the caller. */
export const REDACTED = '[REDACTED by @tessera/axios]';

/**
 * Removes `secrets` (the exact header value this package set, e.g. `Bearer <token>`, and the bare
 * token) from an `AxiosError` before the caller sees it, so `JSON.stringify(error)` and
 * `util.inspect(error)` never show them: in `config.headers` (also `response.config`; the header
 * then reads `REDACTED`) and on the request side (`error.request`: Node's `ClientRequest` `_header`,
 * follow-redirects' `_options.headers`…), a few levels deep. The request has been sent; nothing here
 * changes what went over the wire.
 */
export function redactError<E>(error: E, secrets: readonly string[]): E {
  const target = error as {
    config?: { headers?: unknown };
    request?: unknown;
    response?: { request?: unknown };
  };
  const seen = new WeakSet<object>();
  for (const part of [target.config?.headers, target.request, target.response?.request]) {
    scrub(part, secrets, seen, 0);
  }
  return error;
}

/** Rewrites strings holding a secret in own data properties (string and symbol keys) of `value`. */
function scrub(value: unknown, secrets: readonly string[], seen: WeakSet<object>, depth: number): void {
  if (!value || typeof value !== 'object' || depth > 4 || seen.has(value) || ArrayBuffer.isView(value))
    return;
  seen.add(value);
  for (const key of Reflect.ownKeys(value)) {
    const descriptor = Reflect.getOwnPropertyDescriptor(value, key);
    const child: unknown = descriptor?.value;
    if (typeof child !== 'string') {
      scrub(child, secrets, seen, depth + 1);
    } else if (descriptor?.writable && secrets.some((secret) => child.includes(secret))) {
      let text = child;
      for (const secret of secrets) text = text.split(secret).join(REDACTED);
      (value as Record<PropertyKey, unknown>)[key] = text;
    }
  }
}
