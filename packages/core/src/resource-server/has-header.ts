/**
 * Whether `headers` (any `HeadersInit`: read as the Headers constructor reads it) sets `name`. An
 * `undefined` (or `null`) value, as in `{ Authorization: token ? 'Bearer ' + token : undefined }`,
 * which fetch would send as the text `undefined`, sets nothing, as in ky (decision 0900). The one
 * "caller-set header" rule of `withTokens` (`Authorization`) and `dpop.fetch` (`DPoP`).
 *
 * @param headers any `HeadersInit`; typed `object` so the published types need no DOM lib.
 * @param name the header name, any case.
 * @example
 * hasHeader({ DPoP: undefined }, 'dpop'); // false
 */
export function hasHeader(headers: object | null | undefined, name: string): boolean {
  if (!headers) return false;
  // A Headers or a list of pairs (an array, a Map, another copy's Headers), not a record: as fetch reads it.
  if (Symbol.iterator in headers) return isSet(new Headers(headers as HeadersInit).get(name));
  const lower = name.toLowerCase();
  return Object.keys(headers).some(
    (key) => key.toLowerCase() === lower && isSet((headers as Record<string, unknown>)[key]),
  );
}

const isSet = (value: unknown): boolean => value != null && value !== 'undefined';

/**
 * `init` with `headers` in a form that can be read more than once: a one-shot iterator of pairs
 * (`map.entries()`, a generator), which fetch reads once, becomes an array of its pairs in a copy of
 * `init`; any other `init` is returned as it is. For a wrapper that reads the caller's headers more
 * than once (`hasHeader`, then each send, replay or retry).
 *
 * @example
 * rereadable({ headers: new Map([['Accept', 'text/plain']]).entries() }); // { headers: [['Accept', 'text/plain']] }
 */
export function rereadable<T extends { headers?: unknown } | null | undefined>(init: T): T {
  const headers = init?.headers as Partial<Iterator<unknown>> | undefined;
  return typeof headers?.next === 'function'
    ? ({ ...init, headers: [...(headers as Iterable<unknown>)] } as T)
    : init;
}
