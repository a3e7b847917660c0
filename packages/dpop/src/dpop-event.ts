/**
 * What `createDPoP({ onEvent })` reports. Events never carry a token, proof, nonce or key.
 * - `key_not_persistent`: IndexedDB could not be opened, so the key lives in memory for this
 *   tab's lifetime (unless the one retry, at the first session read or token request, opens it);
 *   the session will not survive a reload (sign-in will be needed again).
 * - `nonce_retry`: a server asked for a new nonce and the request was sent once more with it (a
 *   request with a one-time `client_assertion` is sent once more by its sender, with a new assertion).
 * - `clock_retry`: an authorization server rejected a proof as not recent while its `Date` header
 *   showed the client clock is off; the request was sent once more with the corrected `iat`.
 * - `invalid_grant_after_nonce_retry`: the grant was rejected right after a nonce retry. With
 *   servers that consume a refresh token before checking DPoP, the nonce round trip itself burned it.
 */
export type DPoPEvent =
  | { type: 'key_not_persistent'; error: unknown }
  | { type: 'nonce_retry'; origin: string; status: 400 | 401 }
  | { type: 'clock_retry'; origin: string; status: 400 }
  | { type: 'invalid_grant_after_nonce_retry'; origin: string };
