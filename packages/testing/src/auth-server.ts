import type { RequestHandler } from 'msw';
import type { AuthorizeOptions } from './authorize.js';
import type { FailurePlan, TokenFailure } from './failure-plan.js';
import type { IssuedTokenResponse } from './issued-token-response.js';
import type { ApiRequestLogEntry, ProtectedApiOptions } from './protected-api.js';
import type { HeldRequest, RequestHolds } from './request-hold.js';

/** One entry of `auth.tokenRequests`. Never holds a secret, password or token value. */
export interface TokenRequestLogEntry {
  /** The `grant_type` sent, if any. */
  grantType: string | undefined;
  /** The client id sent (Basic or body), checked or not. */
  clientId: string | undefined;
  /** The HTTP status answered. */
  status: number;
  /** The OAuth `error` answered, if any. */
  error?: string;
  /** When the request arrived, epoch ms by the server's clock. */
  at: number;
}

/**
 * One entry of `auth.authorizationRequests`: an authorization request answered by the endpoint (GET)
 * or by `auth.authorize`. Never holds a code, `state`, `nonce`, `code_challenge`, `login_hint` or a
 * secret: which client asked for what, and how the server answered.
 */
export interface AuthorizationRequestLogEntry {
  /** `'endpoint'` for a GET on `authorizationUrl`, `'authorize'` for a call of `auth.authorize`. */
  via: 'endpoint' | 'authorize';
  /** The `client_id` sent, if any, known or not. */
  clientId: string | undefined;
  /** The `redirect_uri` sent, if any, registered or not. */
  redirectUri: string | undefined;
  /** The `scope` sent, if any, as sent. */
  scope: string | undefined;
  /** The `prompt` sent, if any (`'none'` for a silent sign-in). */
  prompt: string | undefined;
  /** The `code_challenge_method` sent, if any (the challenge itself is not logged). */
  codeChallengeMethod: string | undefined;
  /**
   * 303 (as oidc-provider) when the request was redirected to its callback (with a code or an `error`); for
   * `response_mode=form_post`, 200 for the form with a code, 400 for one with an `error`; 400 when it
   * was refused without a redirect (`authorize` threw). For `auth.authorize`, what the endpoint would answer.
   */
  status: number;
  /**
   * The OAuth `error` the callback carries, if any (`access_denied`, `invalid_request`, …), or for a
   * refused request (400) the one its error page shows (`invalid_client`, `invalid_redirect_uri`, …).
   */
  error?: string;
  /** When the request arrived, epoch ms by the server's clock. */
  at: number;
}

/**
 * One entry of `auth.revocationRequests`. Never holds a secret or token value: which kind of token
 * was revoked, not which token.
 */
export interface RevocationRequestLogEntry {
  /** The `token_type_hint` sent, if any (a hint only: the server looks the token up either way). */
  tokenTypeHint: string | undefined;
  /** The client id sent (Basic or body), checked or not. */
  clientId: string | undefined;
  /** The HTTP status answered: 200 also for a token the server did not know (RFC 7009 §2.2). */
  status: number;
  /** The OAuth `error` answered, if any. */
  error?: string;
  /**
   * The kind of token this request revoked, with its whole family. Absent when it revoked nothing:
   * an unknown, expired or already revoked token, or another public client's token.
   */
  revoked?: 'refresh_token' | 'access_token';
  /** When the request arrived, epoch ms by the server's clock. */
  at: number;
}

/** Options of `auth.issueTokens`. */
export interface IssueTokensOptions {
  /**
   * Whose tokens; must be one of the server's users.
   * @default 'alice' (the first user)
   */
  username?: string;
  /**
   * For which client; must be one of the server's clients.
   * @default 'web' (the first client)
   */
  clientId?: string;
  /**
   * Space-separated scope.
   * @default ''
   */
  scope?: string;
  /**
   * `aud` of the access token.
   * @default the server's `audience`
   */
  audience?: string;
}

/** A mock OAuth2 authorization server and its test controls. Create one with `createAuthServer`. */
export interface AuthServer {
  /** The issuer, without a trailing slash. */
  readonly issuer: string;
  /** `${issuer}/oauth/token`. */
  readonly tokenUrl: string;
  /**
   * `${issuer}/oauth/authorize` (`authorization_endpoint` in both discovery documents). A GET answers
   * 303 to the callback `authorize` returns (for `response_mode=form_post`, an HTML form that posts
   * it), or 400 where `authorize` throws.
   */
  readonly authorizationUrl: string;
  /**
   * `${issuer}/oauth/revoke`, the RFC 7009 revocation endpoint (`revocation_endpoint` in both
   * discovery documents).
   */
  readonly revocationUrl: string;
  /** `${issuer}/.well-known/jwks.json`. */
  readonly jwksUrl: string;
  /** msw handlers for the authorization, token and revocation endpoints, the JWKS and both discovery documents. */
  readonly handlers: RequestHandler[];
  /**
   * msw handlers for a resource server at `baseUrl` (any method, any path below it) that checks the
   * Bearer token: 200 `{ ok: true, method, path, sub }`, 401/400 with an RFC 6750 `WWW-Authenticate`,
   * 403 `insufficient_scope`. An access token is checked against the server's records, as
   * introspection would: one revoked at the revocation endpoint, or whose family was, is rejected.
   * @throws {TypeError} an option it does not know, with the nearest known name.
   */
  protectedApi(baseUrl: string, options?: ProtectedApiOptions): RequestHandler[];
  /** Every token request so far (failed ones too), oldest first. A copy. */
  readonly tokenRequests: readonly TokenRequestLogEntry[];
  /** How many token requests arrived (all, including failed and still delayed ones). */
  readonly tokenRequestCount: number;
  /**
   * Every authorization request so far, GETs on the endpoint and `authorize` calls (refused ones too),
   * oldest first. A copy. Not counted in `tokenRequestCount`.
   */
  readonly authorizationRequests: readonly AuthorizationRequestLogEntry[];
  /** Every request to the revocation endpoint so far (failed ones too), oldest first. A copy. */
  readonly revocationRequests: readonly RevocationRequestLogEntry[];
  /** Every protected API call so far, oldest first. A copy. */
  readonly apiRequests: readonly ApiRequestLogEntry[];
  /** Revokes every access and refresh token issued so far; new ones are valid. */
  revokeAll(): void;
  /**
   * Revokes one token the server issued: an access token alone (its refresh token stays usable, as
   * after a key rotation or an admin action on the resource server), or a refresh token with its
   * whole family. Returns whether the server knew the token. Not an HTTP request: it is not logged in
   * `revocationRequests`. (The revocation endpoint, like oidc-provider, revokes the whole family for
   * an access token too.)
   */
  revokeToken(token: string): boolean;
  /**
   * Replaces the DPoP nonces of the token endpoint and of every `protectedApi` (two separate ones, as
   * RFC 9449 §8 and §9 allow): a proof with an old nonce is then answered `use_dpop_nonce` with the
   * new one in `DPoP-Nonce`, so a test can check that a client retries exactly once per rotation.
   * @throws {TypeError} the server has no `dpop` option.
   */
  rotateDPoPNonce(): void;
  /**
   * Holds the next token request (after earlier holds) when it arrives — counted, not yet processed —
   * until `release()` or `reset()`. For tests that need a refresh in flight at a chosen moment.
   */
  holdNextTokenRequest(): HeldRequest;
  /**
   * Answers the next `count` token requests with a failure instead of processing them (queued after
   * failures already planned).
   * @throws {TypeError} `failure` is not an object, or has a key it does not know (with the nearest known name).
   * @throws {RangeError} `count` is not a whole number ≥ 0, or no `Response` can carry `failure`.
   */
  failNextTokenRequests(count: number, failure?: TokenFailure): void;
  /** Delays every token response by `ms` milliseconds (msw `delay`). 0 turns it off. */
  setLatency(ms: number): void;
  /**
   * Mints tokens as a `password` sign-in would, without HTTP and without counting a request.
   * Rejects with a `TypeError` for an option it does not know (with the nearest known name), with an
   * `Error` for an unknown `username` or `clientId`.
   */
  issueTokens(options?: IssueTokensOptions): Promise<IssuedTokenResponse>;
  /**
   * Answers an authorization request URL (e.g. from `signIn.buildAuthorizationUrl()`) as if the user
   * signed in and consented: returns the callback URL the browser would be sent to, `redirect_uri`
   * with `code`, `state` and `iss` — or with `error` (`invalid_request` without PKCE S256,
   * `unsupported_response_type`, or the `error` option, e.g. `access_denied`, with its
   * `errorDescription`) — in its query, or in its fragment as oidc-provider answers (`response_mode=fragment`,
   * or an error for a `response_type` with `token`); for `response_mode=form_post`, the form's action
   * with its fields as the query (the endpoint answers with the form). The code is single-use, bound to the `client_id`, `redirect_uri`
   * and `code_challenge`, valid for `authorizationCodeLifetime`. Not an HTTP request, not counted;
   * logged in `authorizationRequests` (`via: 'authorize'`).
   * @throws {TypeError} an option it does not know, with the nearest known name; an `error` or
   *   `errorDescription` outside the RFC 6749 Appendix A charset; an `errorDescription` without `error`.
   * @throws {Error} a request a server would not redirect: not this server's authorization endpoint,
   *   an unknown client, a missing or unregistered `redirect_uri` (or a `javascript:`, `data:`… one), an unknown user.
   */
  authorize(authorizationRequest: string | URL, options?: AuthorizeOptions): string;
  /**
   * Clears logs (`authorizationRequests` and `revocationRequests` too), counts, planned failures,
   * latency, revocations, every issued token and code and the DPoP proofs seen (their `jti`s), and
   * releases every hold. Requests still in flight are answered but not logged. Keeps the key and the
   * DPoP nonces.
   */
  reset(): void;
}

/** Mutable state behind an `AuthServer`. */
export interface AuthServerState {
  readonly tokenRequests: TokenRequestLogEntry[];
  readonly authorizationRequests: AuthorizationRequestLogEntry[];
  readonly revocationRequests: RevocationRequestLogEntry[];
  readonly apiRequests: ApiRequestLogEntry[];
  readonly failures: FailurePlan;
  readonly holds: RequestHolds;
  tokenRequestCount: number;
  /** ms */
  latency: number;
  /**
   * Bumped by `reset()`. A request that arrived before a reset is answered but not logged, so it
   * never shows up in the next test's logs.
   */
  generation: number;
}
