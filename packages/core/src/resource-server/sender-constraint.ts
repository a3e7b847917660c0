import type { FetchLike } from '../fetch-like.js';
import type { TokenStorage } from '../storage/token-storage.js';
import type { TokenSet } from '../token-set.js';

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

/** A response as a transport hands it over, which may not tell its URL (`response.url` empty or absent). */
export interface SeenResponse {
  url?: string | URL | undefined;
  status: number;
  headers?: HeadersLike | undefined;
}

/**
 * What an HTTP transport (`@tessera/axios`, `@tessera/fetch`) needs to send sender-constrained
 * tokens, taken as their `senderConstraint` option. `createDPoP()` from `@tessera/dpop` returns one;
 * the transports never import `@tessera/dpop`.
 *
 * Per send (first attempt and every replay alike):
 * 1. `await authorize(set, method, url, header, put)`: `Authorization: ${scheme} ${token}` plus the
 *    headers of `headersFor({ method, url, accessToken: token })`, built in the same step that reads
 *    the token, so `ath` always matches the token sent.
 * 2. `isNonceReplay(response, sentHeaders, answer, followed)` for every response: it learns the
 *    response, and when `answer` (this send was not itself a nonce replay, and the response came
 *    from where the proof went) tells whether it is a nonce challenge. If so: replay once with
 *    fresh headers (step 1) and WITHOUT refreshing the token. Otherwise treat the response as usual
 *    (a 401 → the usual refresh-and-replay).
 *
 * The transports call the constraint for everything that is only DPoP's (`authorize`, `rebind`,
 * `isNonceReplay`), so an app without one carries none of that code (issue #14: "0 when not used",
 * decision 1208). A hand-made constraint implements them with the helpers core exports:
 * `authorize: (...args) => senderConstrainedHeaders(self, ...args).then((sent) => sent.proof)`,
 * `rebind: (header) => proofPerHop(self, header)`,
 * `isNonceReplay: (...args) => isNonceReplay(self, ...args)`,
 * `checkUse: checkConstraintUse`.
 */
export interface SenderConstraint {
  /** The `Authorization` scheme. Tokens bound to a key are never sent as `Bearer`. */
  readonly scheme: 'DPoP';
  /** Headers that bind this request to the key: a fresh `DPoP` proof (new `jti`, `ath`, the origin's nonce). */
  headersFor(request: ProofRequest): Promise<Record<string, string>>;
  /**
   * The auth headers of one transport send, from one token set: `put(header, '<scheme> <token>')`
   * and `put(name, value)` for each header of a fresh proof for `method` and `url`. Resolves with
   * the proof headers it put (for `isNonceChallenge`). See `senderConstrainedHeaders`.
   * @throws {TokenTypeMismatchError} (rejects) the set's type is not `scheme`; nothing is put.
   */
  authorize(
    set: TokenSet,
    method: string,
    url: string,
    header: string,
    put: (name: string, value: string) => void,
  ): Promise<Record<string, string>>;
  /**
   * The `rebind` of `followRedirects` for a transport whose token header is `header`: at each
   * redirect hop that keeps the credentials, learn the redirect response `from`, then a fresh proof.
   * See `proofPerHop`.
   */
  rebind(
    header: string,
  ): (method: string, url: string, headers: Headers, from?: ResponseLike) => Promise<void>;
  /**
   * What a transport does with each response of a sender-constrained send: `learn` it, then — when
   * `answer` — whether it is a nonce challenge to answer with one replay, judged against the proof
   * that went with it: `sent`, or after redirect hops `followRedirects` followed, the last hop's
   * (`proofSentFor(followed, sent)`). See `isNonceReplay`.
   *
   * @param response the response (a fetch `Response`, an `AxiosResponse`): its `url`, else an XHR's `request.responseURL`, else `url`.
   * @param sent the proof headers `authorize` resolved for the first send.
   * @param followed the `Response` itself, where hops may have been followed (`followRedirects`).
   * @param url the URL the request went to, for a response that does not tell (`response.url` empty or absent).
   * @throws what `isNonceChallenge` throws (`DPoPNonceError`): no replay can answer it.
   */
  isNonceReplay(
    response: SeenResponse,
    sent: Readonly<Record<string, string>>,
    answer: boolean,
    followed?: Response,
    url?: string,
  ): boolean;
  /**
   * Checks the options of a transport or a `TokenManager` this constraint is given to, once, when
   * it is set up (`checkSenderConstraint`, `new TokenManager`), and the constraint itself: the
   * transports only ask an option for a `checkUse`, so an app without a constraint carries no more
   * of the check. See `checkConstraintUse`.
   * @param manager the `senderConstraint` of the `TokenManager` the tokens come from (for a
   *   manager's own check, this constraint).
   * @throws {TypeError} a constraint without `scheme`, `authorize`, `rebind` or `isNonceReplay`, a
   *   `scheme` option beside it, another constraint than the manager's; for a manager, no
   *   `wrapFetch`, or `tokenTypes` without its scheme.
   */
  checkUse(
    options: { senderConstraint?: unknown; scheme?: unknown; tokenTypes?: readonly string[] | undefined },
    where: string,
    manager: SenderConstraint | undefined,
  ): void;
  /** Records the server's `DPoP-Nonce` (any status) and, from a 401, its `Date` (plus `Age`). Never throws. */
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
