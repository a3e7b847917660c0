import { type AllowedOrigins, rejectsToken, type SenderConstraint } from '@tessera/core';

/** Options of `withTokens(fetch, tokens, options)`. */
export interface WithTokensOptions {
  /**
   * The absolute URL relative request URLs resolve against (e.g. `https://api.example.com/v1/`, a
   * string or a `URL`), once, before the origin check; its origin is the default allowed origin.
   * @default the page's base URL in a browser; none in Node (relative URLs are not sent a token)
   */
  baseUrl?: string | URL | undefined;
  /**
   * Origins that receive the token: exact origins (`'https://api.example.com'`) and RegExps anchored
   * with `^…$`, tested against the parsed URL's origin. Replaces the default. Every redirect hop is
   * checked against them too.
   * @default the origin of `baseUrl`, else the page's origin; in Node without `baseUrl`, no origin
   */
  origins?: AllowedOrigins | undefined;
  /**
   * The request header that carries the token.
   * @default 'Authorization'
   */
  header?: string | undefined;
  /**
   * The scheme before the token; `''` sends the bare token.
   * @default the token set's `tokenType`, normalised (`Bearer` when absent)
   */
  scheme?: string | undefined;
  /**
   * Whether a response means the token was rejected: the token it carried is invalidated and the
   * request replayed once with the current token. `scheme` is the one the token went with
   * (`Bearer`, `DPoP`; `''` for a bare token): pass it on to `withTokensDefaults.shouldRefresh`.
   * @default withTokensDefaults.shouldRefresh — HTTP 401, unless its `WWW-Authenticate` has no
   *   challenge for `scheme` (only `Basic`, `Negotiate`…: a new token cannot answer it) or that
   *   challenge names an error other than `invalid_token`
   */
  shouldRefresh?: ((response: Response, scheme?: string) => boolean) | undefined;
  /**
   * Sender-constrained tokens (DPoP): pass `createDPoP()` from `@tessera/dpop`. Every send (replays
   * included) then carries `Authorization: DPoP <token>` and a fresh `DPoP` proof for its method and
   * URL, built from the same token set; every response's `DPoP-Nonce` is learned; a resource
   * server's nonce challenge (401 `use_dpop_nonce`) is answered with one replay without refreshing.
   * A token set whose type is not `DPoP` rejects with `TokenTypeMismatchError` and sends nothing.
   * Cannot be combined with `scheme`.
   * @default the manager's `senderConstraint` (`new TokenManager({ senderConstraint })`); without one, bearer
   *   tokens and no proofs
   */
  senderConstraint?: SenderConstraint | undefined;
}

/** Per-request init of the wrapped fetch: a `RequestInit` plus `skipAuth`. */
export interface TokenRequestInit extends RequestInit {
  /**
   * Send this request as it is: no token, no replay (e.g. a public endpoint). Never passed to `fetch`.
   * @default false
   */
  skipAuth?: boolean | undefined;
}

/** A `fetch`-compatible function that attaches tokens; see `withTokens`. */
export type TokenFetch = (input: Request | string | URL, init?: TokenRequestInit) => Promise<Response>;

/** The defaults the docs list; `withTokens` and `kyHooks` read them from here. */
export const withTokensDefaults: {
  readonly header: 'Authorization';
  readonly shouldRefresh: (response: Response, scheme?: string) => boolean;
} = {
  header: 'Authorization',
  shouldRefresh: (response, scheme) =>
    response.status === 401 && rejectsToken(401, response.headers.get('www-authenticate'), scheme),
};

export const knownOptions: readonly string[] = [
  'baseUrl',
  'origins',
  'header',
  'scheme',
  'shouldRefresh',
  'senderConstraint',
];
