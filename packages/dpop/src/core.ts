// Every value the package takes from core, imported in one place: a bundle with core external then
// has one `import … from '@tessera/core'` instead of one per module.
export {
  assertKnownOptions,
  checkConstraintUse,
  decodeJwtClaims,
  documentBase,
  followRedirects,
  hasHeader,
  isBrowserLike,
  isNonceReplay,
  isRedirect,
  parseWwwAuthenticate,
  proofPerHop,
  readJsonBody,
  releaseBody,
  rereadable,
  senderConstrainedHeaders,
  systemClock,
  TesseraError,
} from '@tessera/core';
