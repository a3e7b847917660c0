export { assertKnownOptions } from './assert-known-options.js';
export { type BackgroundRefresh, backgroundRefresh, type RefreshScheduler } from './background-refresh.js';
export { type Clock, systemClock } from './clock.js';
export { type CrossTabOptions, crossTab } from './cross-tab/cross-tab.js';
export type { WebLocks } from './cross-tab/web-locks.js';
export type { CrossTabSync } from './cross-tab-sync.js';
export type { AuthorizationServerMetadata } from './discovery/authorization-server-metadata.js';
export { type DiscoverOptions, discover } from './discovery/discover.js';
/** @internal For `@tessera/node`: one rule for `using` (the type, and `[Symbol.dispose]` where the runtime has it). */
export { type DisposableWhereKnown, disposeWhereKnown } from './disposable-where-known.js';
export { parseEndpointUrl, parseIssuerUrl } from './endpoint-url.js';
export { AbortError } from './errors/abort-error.js';
export type { AuthorizationResponseError } from './errors/authorization-response-error.js';
export { DiscoveryError, type DiscoveryFailure } from './errors/discovery-error.js';
export { DisposedError } from './errors/disposed-error.js';
export { isOAuthError, isTesseraError } from './errors/guards.js';
export { HttpError } from './errors/http-error.js';
export { type IdTokenCheck, IdTokenError } from './errors/id-token-error.js';
export { IssuerMismatchError } from './errors/issuer-mismatch-error.js';
export { LoginRequiredError } from './errors/login-required-error.js';
export { type MalformedReason, MalformedResponseError } from './errors/malformed-response-error.js';
export { NetworkError } from './errors/network-error.js';
export { OAuthError, type OAuthErrorFields } from './errors/oauth-error.js';
export { PkceVerifierMissingError } from './errors/pkce-verifier-missing-error.js';
export { RateLimitError } from './errors/rate-limit-error.js';
export { StaleCallbackError, type StaleCallbackReason } from './errors/stale-callback-error.js';
export { TesseraError, type TesseraErrorCode, type TesseraErrorMap } from './errors/tessera-error.js';
export { TimeoutError } from './errors/timeout-error.js';
export { TokenTypeMismatchError } from './errors/token-type-mismatch-error.js';
export type { RefreshReason, TokenEvent, TokenEventListener } from './events.js';
export type { FetchLike, OAuthFetchInit, OAuthFetchResponse } from './fetch-like.js';
export {
  type ClientCredentialsGrantOptions,
  clientCredentialsGrant,
} from './grants/client-credentials-grant.js';
export { type PasswordGrantOptions, passwordGrant } from './grants/password-grant.js';
export { type RefreshTokenGrantOptions, refreshTokenGrant } from './grants/refresh-token-grant.js';
/** @internal For `@tessera/node`: one redaction rule (every encoding of a secret) for every package. */
export { type Redact, redactor } from './internal/redact.js';
export { decodeJwtClaims } from './jwt-claims.js';
export {
  type AllowedOrigins,
  createOriginPolicy,
  type OriginPolicy,
  type OriginRule,
} from './origin-policy/create-origin-policy.js';
export { documentBase } from './origin-policy/document-base.js';
export { readJsonBody } from './read-json-body.js';
export {
  type FollowRedirectsOptions,
  followRedirects,
  type RedirectHop,
} from './redirects/follow-redirects.js';
export { isBrowserLike } from './redirects/is-browser-like.js';
export { isRedirect, isRedirectStatus } from './redirects/is-redirect.js';
export { proofPerHop } from './redirects/proof-per-hop.js';
export { proofSentFor } from './redirects/proof-sent-for.js';
export { BODY_HEADERS, redirectDropsBody } from './redirects/redirect-drops-body.js';
export { redirectTarget } from './redirects/redirect-target.js';
export { releaseBody } from './redirects/release-body.js';
export { isWithheld } from './redirects/withheld.js';
export type { RefreshLock, RefreshLockRunOptions } from './refresh-lock.js';
export { authorizationScheme } from './resource-server/authorization-scheme.js';
export { checkConstraintUse } from './resource-server/check-constraint-use.js';
export { checkHeaderName } from './resource-server/check-header-name.js';
export { checkSenderConstraint } from './resource-server/check-sender-constraint.js';
export { hasHeader } from './resource-server/has-header.js';
/** @internal For `@tessera/axios` and `@tessera/fetch`: one rule for the token header's value and its check. */
export { headerValues, putHeader } from './resource-server/header-values.js';
export { isNonceReplay } from './resource-server/is-nonce-replay.js';
export { type AuthChallenge, parseWwwAuthenticate } from './resource-server/parse-www-authenticate.js';
export { rejectsToken } from './resource-server/rejects-token.js';
export { rereadable } from './resource-server/rereadable.js';
export { senderConstrainedHeaders } from './resource-server/sender-constrained-headers.js';
export type {
  HeadersLike,
  ProofRequest,
  ResponseLike,
  SeenResponse,
  SenderConstraint,
} from './resource-server/sender-constraint.js';
export { defaultRetryOptions, type RetryOptions } from './retry-options.js';
export { type RevokeTokenOptions, revokeToken } from './revoke-token.js';
export type {
  EndedSession,
  LoadingSession,
  Session,
  SessionClaims,
  SessionStatus,
  SessionTokens,
  SignedInSession,
  SignedOutSession,
} from './session/session.js';
export { createSessionStore, loadingSession, type SessionStore } from './session/session-store.js';
export type { SessionCallbackResult, SignInLike } from './session/sign-in-like.js';
export { createSignIn, type SignIn } from './sign-in/create-sign-in.js';
export type { IdTokenClaims } from './sign-in/id-token.js';
export {
  type SignInOptions,
  type SignOutOptions,
  type StartOptions,
  signInDefaults,
} from './sign-in/sign-in-options.js';
export type { CallbackResult, SignOutResult } from './sign-in/sign-in-result.js';
export type { TransactionStorage } from './sign-in/transaction-store.js';
export { memoryStorage } from './storage/memory-storage.js';
export type { MaybePromise, TokenStorage } from './storage/token-storage.js';
export { type WebStorageArea, type WebStorageOptions, webStorage } from './storage/web-storage.js';
export {
  type ClientAuthMethod,
  type EndpointRequestOptions,
  requestToken,
  type TokenRequest,
  type TokenRequestParams,
} from './token-endpoint.js';
export { type GetTokenOptions, TokenManager } from './token-manager.js';
export {
  type FetchTokens,
  type FetchTokensContext,
  type TokenManagerOptions,
  tokenManagerDefaults,
} from './token-manager-options.js';
export { type TokenResponse, type TokenSet, toTokenSet } from './token-set.js';
export {
  type CanonicalTarget,
  canonicalTarget,
  type TokenTargetKeyParts,
  tokenTargetKey,
} from './token-target-key.js';
export { isTransient } from './transient.js';
