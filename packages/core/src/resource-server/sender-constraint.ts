import type { FetchLike } from '../fetch-like.js';
import type { TokenStorage } from '../storage/token-storage.js';

/**
 * Response headers as the transports have them: a fetch `Headers`, axios's `AxiosHeaders`
 * (both have a case-insensitive `get`) or a plain object such as Node's `IncomingHttpHeaders`.
 */
export type HeadersLike =
  | { get(name: string): unknown }
  | Readonly<Record<string, string | readonly string[] | number | undefined | null>>;

/** The request a resource-server proof is made for. */
export interface ProofRequest {
  /** HTTP method as sent, e.g. `GET`. */
  method: string;
  /** The request URL, absolute (or relative to `location` in a browser); query and fragment are dropped from `htu`. */
  url: string | URL;
  /** The access token sent with this very request: the proof's `ath` is its hash. */
  accessToken: string;
}

/** A response as a transport sees it. */
export interface ResponseLike {
  /** URL of the request that got this response (its origin keys the nonce). */
  url: string | URL;
  status: number;
  headers: HeadersLike;
}

/**
 * What an HTTP transport (`@tessera/axios`, `@tessera/fetch`) needs to send sender-constrained
 * tokens, taken as their `senderConstraint` option. `createDPoP()` from `@tessera/dpop` returns one;
 * the transports never import `@tessera/dpop`.
 *
 * Per send (first attempt and every replay alike):
 * 1. `Authorization: ${scheme} ${token}` plus `await headersFor({ method, url, accessToken: token })`,
 *    built in the same step that reads the token, so `ath` always matches the token sent.
 * 2. `learn(response)` for every response.
 * 3. If this send was not itself a nonce replay and `isNonceChallenge(response, sentHeaders)`:
 *    replay once with fresh headers (step 1) and WITHOUT refreshing the token. Otherwise treat the
 *    response as usual (a 401 → the usual refresh-and-replay).
 */
export interface SenderConstraint {
  /** The `Authorization` scheme. Tokens bound to a key are never sent as `Bearer`. */
  readonly scheme: 'DPoP';
  /** Headers that bind this request to the key: a fresh `DPoP` proof (new `jti`, `ath`, the origin's nonce). */
  headersFor(request: ProofRequest): Promise<Record<string, string>>;
  /** Records the server's `DPoP-Nonce` (any status) and `Date`. Never throws. */
  learn(response: ResponseLike): void;
  /**
   * Whether `response` is a resource server's nonce challenge (401 + `WWW-Authenticate: DPoP
   * error="use_dpop_nonce"`) that one replay can answer. Records the nonce.
   *
   * @param sent the headers `headersFor` returned for the request that got this response.
   * @throws {TesseraError} (`DPoPNonceError`) when the challenge has no readable `DPoP-Nonce` or
   *   repeats the nonce the request already carried: a replay could not succeed, and the token must
   *   not be refreshed for it.
   */
  isNonceChallenge(response: ResponseLike, sent: Readonly<Record<string, string>>): boolean;
  /**
   * For a `TokenManager` given this constraint as its `senderConstraint` option: a `fetch` for
   * authorization-server requests (token, revocation) that sends through `fetch` and binds each
   * request to the key (a fresh DPoP proof, the server's nonce answered with one retry). The grants
   * and `createSignIn` call it; the same `fetch` always gives the same wrapper, and its own result
   * comes back as it is. Required by `TokenManager`; transports do not use it.
   *
   * @param fetch the grant's own `fetch` option (a proxy, mTLS), or `undefined` for the default.
   */
  wrapFetch?(fetch: FetchLike | undefined): FetchLike;
  /**
   * For a `TokenManager` given this constraint: wraps its storage so each stored session carries
   * the key's identity, and a session bound to another key (or none) is dropped instead of being
   * refreshed with this one. Optional: without it, storage is used as given.
   */
  bindStorage?(storage: TokenStorage): TokenStorage;
}
