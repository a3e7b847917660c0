import { type TokenTargetKeyParts, tokenTargetKey } from '@tessera/core';

/** What a cached token is for: the same inputs name the same token set, on every replica. */
export type TokenCacheKeyParts = TokenTargetKeyParts;

/**
 * The key of one token set, e.g. `billing@https://auth.example.com/token|orders:read write||https://orders.internal`:
 * client id, token endpoint, then scope, audience and resource, each sorted and de-duplicated, then
 * the `params` form-encoded and sorted by name if there are any (`…|tenant=acme`).
 * `%`, `|` and spaces inside a part are percent-encoded, and `@` inside the client id, so two
 * different targets never share a key; ids, endpoints and targets without those characters appear as
 * they are.
 * It is the same string `@tessera/node` uses as `TokenManager.key` for the same target, so
 * services using either share tokens: both build it with `tokenTargetKey` of `@tessera/core`
 * (decision 0406). Pass it to `cache.storage(key)` and as the manager's `key`.
 */
export function tokenCacheKey(parts: TokenCacheKeyParts): string {
  return tokenTargetKey(parts);
}
