/** What replaces a credential in an error handed to the caller. */
export const REDACTED = '[REDACTED by @tessera/axios]';

/**
 * Removes `secret` (an exact header value this package set, e.g. `Bearer <token>`, and the bare
 * token) from an `AxiosError` before the caller sees it, so `JSON.stringify(error)` and
 * `util.inspect(error)` never show it: the header in `config.headers` (also `response.config`) is
 * replaced with `REDACTED`, and strings on the request side (`error.request`: Node's
 * `ClientRequest` `_header`, follow-redirects' `_options.headers`…) are rewritten, a few levels
 * deep. The request has been sent; nothing here changes what went over the wire.
 */
export function redactError<E>(error: E, header: string, secrets: readonly string[]): E {
  const target = error as {
    config?: { headers?: unknown };
    request?: unknown;
    response?: { request?: unknown };
  };
  redactHeaders(target.config?.headers, header, secrets);
  const seen = new WeakSet<object>();
  scrub(target.request, secrets, seen, 0);
  scrub(target.response?.request, secrets, seen, 0);
  return error;
}

function redactHeaders(headers: unknown, header: string, secrets: readonly string[]): void {
  if (!headers || typeof headers !== 'object') return;
  const target = headers as Record<string, unknown> & { get?: unknown; set?: unknown };
  if (typeof target.get === 'function' && typeof target.set === 'function') {
    const value = (target.get as (name: string) => unknown).call(target, header);
    if (typeof value === 'string' && containsSecret(value, secrets)) {
      (target.set as (name: string, value: string) => unknown).call(target, header, REDACTED);
    }
    return;
  }
  for (const key of Object.keys(target)) {
    const value = target[key];
    if (typeof value === 'string' && containsSecret(value, secrets)) target[key] = REDACTED;
  }
}

const MAX_DEPTH = 4;

/** Rewrites strings holding a secret in own properties (string and symbol keys) of `value`. */
function scrub(value: unknown, secrets: readonly string[], seen: WeakSet<object>, depth: number): void {
  if (!value || typeof value !== 'object' || depth > MAX_DEPTH || seen.has(value)) return;
  seen.add(value);
  if (ArrayBuffer.isView(value)) return;
  for (const key of Reflect.ownKeys(value)) {
    let child: unknown;
    try {
      const descriptor = Reflect.getOwnPropertyDescriptor(value, key);
      if (!descriptor || !('value' in descriptor)) continue;
      child = descriptor.value;
      if (typeof child === 'string') {
        if (descriptor.writable && containsSecret(child, secrets)) {
          (value as Record<PropertyKey, unknown>)[key] = replaceSecrets(child, secrets);
        }
        continue;
      }
    } catch {
      continue;
    }
    scrub(child, secrets, seen, depth + 1);
  }
}

function containsSecret(text: string, secrets: readonly string[]): boolean {
  return secrets.some((secret) => secret !== '' && text.includes(secret));
}

function replaceSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (secret !== '') result = result.split(secret).join(REDACTED);
  return result;
}
