/**
 * The values this package takes from `@tessera/core` at run time, imported here only: a bundle that keeps
 * core external turns each module's import into its own `require("@tessera/core")`, so one module means
 * one (as `axios-classes.ts` for axios; decision 0018). Types are imported from core where they are used.
 */
export {
  assertKnownOptions,
  BODY_HEADERS,
  checkHeaderName,
  checkSenderConstraint,
  createOriginPolicy,
  documentBase,
  followRedirects,
  headerValues,
  isBrowserLike,
  isRedirect,
  isRedirectStatus,
  isTesseraError,
  isWithheld,
  redactor,
  redirectDropsBody,
  redirectTarget,
  rejectsToken,
  releaseBody,
} from '@tessera/core';
