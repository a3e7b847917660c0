// Type tests, checked by `tsc` in the typecheck step.
import { expectTypeOf } from 'vitest';
import type { AbortError } from './abort-error.js';
import type { DisposedError } from './disposed-error.js';
import { isOAuthError, isTesseraError } from './guards.js';
import type { HttpError } from './http-error.js';
import type { LoginRequiredError } from './login-required-error.js';
import type { MalformedResponseError } from './malformed-response-error.js';
import type { NetworkError } from './network-error.js';
import type { OAuthError } from './oauth-error.js';
import type { RateLimitError } from './rate-limit-error.js';
import type { TesseraError, TesseraErrorCode } from './tessera-error.js';
import type { TimeoutError } from './timeout-error.js';

declare const e: unknown;

if (isTesseraError(e)) expectTypeOf(e).toEqualTypeOf<TesseraError>();
if (isTesseraError(e, 'RATE_LIMITED')) expectTypeOf(e).toEqualTypeOf<RateLimitError>();
if (isTesseraError(e, 'OAUTH_ERROR')) expectTypeOf(e.error).toBeString();
if (isTesseraError(e, 'HTTP_ERROR')) expectTypeOf(e).toEqualTypeOf<HttpError>();
if (isTesseraError(e, 'NETWORK_ERROR')) expectTypeOf(e).toEqualTypeOf<NetworkError>();
if (isTesseraError(e, 'TIMEOUT')) expectTypeOf(e).toEqualTypeOf<TimeoutError>();
if (isTesseraError(e, 'MALFORMED_RESPONSE')) expectTypeOf(e).toEqualTypeOf<MalformedResponseError>();
if (isTesseraError(e, 'LOGIN_REQUIRED')) expectTypeOf(e).toEqualTypeOf<LoginRequiredError>();
if (isTesseraError(e, 'ABORTED')) expectTypeOf(e).toEqualTypeOf<AbortError>();
if (isTesseraError(e, 'DISPOSED')) expectTypeOf(e).toEqualTypeOf<DisposedError>();
if (isOAuthError(e, 'invalid_grant')) expectTypeOf(e).toEqualTypeOf<OAuthError>();

// Core's own codes; packages add theirs by augmenting TesseraErrorMap.
expectTypeOf<'RATE_LIMITED'>().toExtend<TesseraErrorCode>();
// @ts-expect-error not a Tessera error code
isTesseraError(e, 'NOT_A_CODE');
