import { createHash } from 'node:crypto';
import { type TokenTargetKeyParts, tokenTargetKey } from '@tessera/core';

/** What a cached token is for: the same inputs name the same token set, on every replica. */
export type TokenCacheKeyParts = TokenTargetKeyParts;

/**
 * The key of one token set, e.g. `billing@https://auth.example.com/token|orders:read write||https://orders.internal`:
 * client id, token endpoint, then scope, audience and resource, each sorted and de-duplicated.
 * `%`, `|` and spaces inside a part are percent-encoded, and `@` inside the client id, so two
 * different targets never share a key; ids, endpoints and targets without those characters appear as
 * they are. Parts that may carry a secret — `params` (`{ api_key }`), an endpoint's query, fragment or
 * user info — appear only as a SHA-256 digest of the whole key (`…|https://orders.internal|#<base64url>`,
 * the endpoint cut to origin and path), so no Redis key, lock or channel name holds them (decision 0407).
 * It is the same string `@tessera/node` uses as `TokenManager.key` for the same target, so
 * services using either share tokens: both build it with `tokenTargetKey` of `@tessera/core`
 * (decision 0406). Pass it to `cache.storage(key)` and as the manager's `key`.
 */
export function tokenCacheKey(parts: TokenCacheKeyParts): string {
  return tokenTargetKey(parts, (key) => createHash('sha256').update(key).digest('base64url'));
}
