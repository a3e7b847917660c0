/**
 * Where a token response came from (`POST https://…/token`), for the errors the manager raises about
 * it. `requestToken` records it; the manager knows no endpoint (`fetchTokens` is injected) and names
 * `fetchTokens` for a response it cannot place. The map itself, not `set`/`get` wrappers around it: with
 * the wrappers of `timeout-answer.ts`, they cost 26 B brotli on every manager row (decision 0018, stop 33). `get` answers `undefined`
 * for a key that is not an object.
 */
export const places = new WeakMap<object, string>();

/**
 * The body of a 2xx token response refused, keyed by its `MalformedResponseError`: by `requestToken` for want
 * of an access token (a code exchange answered so spent the code, and sign-in revokes the refresh token it
 * brought, decision 1103, update), or by the manager's `toTokenSet` of a refresh's answer. A refused refresh
 * answer's rotated refresh token is kept from it (decision 0013, updates of stop 36).
 */
export const refusedBodies = new WeakMap<object, unknown>();
