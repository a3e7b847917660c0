export type { AllowedOrigins, OriginRule } from '@tessera/core';
export { attachTokenManager } from './attach-token-manager.js';
export {
  type AttachTokenManagerOptions,
  attachTokenManagerDefaults,
} from './attach-token-manager-options.js';
