export type { AllowedOrigins, OriginRule } from '@tessera/core';
export { type KyHooks, type KyLike, kyHooks } from './ky-hooks.js';
export { withTokens } from './with-tokens.js';
export {
  type TokenFetch,
  type TokenRequestInit,
  type WithTokensOptions,
  withTokensDefaults,
} from './with-tokens-options.js';
