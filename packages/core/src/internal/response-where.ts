/**
 * Where a token response came from (`POST https://…/token`), for the errors the manager raises about
 * it. `requestToken` records it; the manager knows no endpoint (`fetchTokens` is injected) and names
 * `fetchTokens` for a response it cannot place.
 */
const places = new WeakMap<object, string>();

/** Records that `response` came from `where`. */
export function recordWhere(response: object, where: string): void {
  places.set(response, where);
}

/** Where `response` came from, if core sent the request. */
export function whereOf(response: unknown): string | undefined {
  // A WeakMap answers `undefined` for a key that is not an object.
  return places.get(response as object);
}
