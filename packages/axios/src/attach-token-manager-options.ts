import type { AllowedOrigins, SenderConstraint } from '@tessera/core';
import type { AxiosError } from 'axios';
import { isTokenRejected } from './is-token-rejected.js';

declare module 'axios' {
  interface AxiosRequestConfig {
    /**
     * Send this request without a token and never replay it on 401 (`attachTokenManager` from
     * `@tessera/axios`), e.g. for a public health check.
     * @default false
     */
    skipAuth?: boolean | undefined;
  }
}

/** Options of `attachTokenManager(instance, tokens, options)`. */
export interface AttachTokenManagerOptions {
  /**
   * Origins that receive the token: exact origins (`'https://api.example.com'`) and RegExps
   * anchored with `^…$`, tested against the parsed URL's origin (never a substring of the URL).
   * Replaces the default. Requests to any other origin go out without the header.
   * @default the origin of the instance's `baseURL`; in a browser, resolved against the page, and the
   *   page's own origin when there is no `baseURL`. In Node without `baseURL`, no origin.
   */
  origins?: AllowedOrigins;
  /**
   * The request header that carries the token. In browsers, which strip only `Authorization` at a
   * redirect to another origin, a request carrying another header follows no redirect with the fetch
   * adapter (a network error, unless you set `fetchOptions.redirect`); the XHR adapter cannot be kept
   * from following one, so the header goes wherever your API redirects it (after a CORS preflight
   * that origin allows): in browsers prefer `Authorization`, or the fetch adapter.
   * @default 'Authorization'
   */
  header?: string;
  /**
   * The scheme before the token, e.g. `'Bearer'`; `''` sends the bare token (for headers such as
   * `X-Api-Token`).
   * @default the token set's `tokenType` (`'Bearer'` unless the server said otherwise)
   */
  scheme?: string;
  /**
   * Decides whether a failed response means the token was rejected: if so, the token it carried is
   * invalidated and the request replayed once with the current token. `scheme` is the one the token
   * went with (`Bearer`, `DPoP`; `''` for a bare token): pass it on to
   * `attachTokenManagerDefaults.shouldRefresh`. Called once per failed response (a replay's too) that
   * carried the token from where it went; never for one sent elsewhere.
   * @default attachTokenManagerDefaults.shouldRefresh — HTTP 401, unless its `WWW-Authenticate` has
   *   no challenge for `scheme` (only `Basic`, `Negotiate`…: a new token cannot answer it) or that
   *   challenge names an error other than `invalid_token`
   */
  shouldRefresh?: (error: AxiosError, scheme?: string) => boolean;
  /**
   * Sender-constrained tokens (DPoP): pass `createDPoP()` from `@tessera/dpop`. Every send (replays
   * included) then carries `Authorization: DPoP <token>` and a fresh `DPoP` proof for its method and
   * URL, built from the same token set; every response's `DPoP-Nonce` is learned; a resource
   * server's nonce challenge (401 `use_dpop_nonce`) is answered with one replay without refreshing.
   * A token set whose type is not `DPoP` rejects the request with `TokenTypeMismatchError` and
   * sends nothing. Cannot be combined with `scheme`.
   * @default the manager's `senderConstraint` (`new TokenManager({ senderConstraint })`); without one, bearer
   *   tokens and no proofs
   */
  senderConstraint?: SenderConstraint | undefined;
}

/** The defaults the docs list; `attachTokenManager` reads them from here. */
export const attachTokenManagerDefaults: {
  readonly header: 'Authorization';
  readonly shouldRefresh: (error: AxiosError, scheme?: string) => boolean;
} = {
  header: 'Authorization',
  shouldRefresh: isTokenRejected,
};
