import type { DiscoveryError } from './discovery-error.js';
import type { MissingPeerDependencyError } from './missing-peer-dependency-error.js';

declare module '@tessera/core' {
  /** The errors `@tessera/node` adds: `isTesseraError(e, 'DISCOVERY_FAILED')` narrows to `DiscoveryError`. */
  interface TesseraErrorMap {
    /** The token endpoint could not be discovered from the issuer. */
    DISCOVERY_FAILED: DiscoveryError;
    /** An optional peer dependency (e.g. `jose`) is not installed. */
    MISSING_PEER_DEPENDENCY: MissingPeerDependencyError;
  }
}

/** Stable codes of the errors `@tessera/node` adds to core's. Compare `error.code`, never the message. */
export type NodeErrorCode = 'DISCOVERY_FAILED' | 'MISSING_PEER_DEPENDENCY';
