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
