export { attachTokenManager } from './attach-token-manager.js';
export {
  type AttachTokenManagerOptions,
  attachTokenManagerDefaults,
} from './attach-token-manager-options.js';
export type { AllowedOrigins, OriginRule } from './create-origin-policy.js';
