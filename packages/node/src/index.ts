export { DiscoveryError, type DiscoveryFailure } from '@tessera/core';
export { ClientCredentials, clientCredentials } from './client-credentials.js';
export {
  type ClientCredentialsAuthMethod,
  type ClientCredentialsOptions,
  type ClientDPoP,
  clientCredentialsDefaults,
  type SigningAlgorithm,
  type TokenTarget,
} from './client-credentials-options.js';
export { ClientAssertionError } from './errors/client-assertion-error.js';
export { isDiscoveryError } from './errors/guards.js';
export { MissingPeerDependencyError } from './errors/missing-peer-dependency-error.js';
export type { NodeErrorCode } from './errors/node-error-code.js';
