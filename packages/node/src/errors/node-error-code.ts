import type { ClientAssertionError } from './client-assertion-error.js';
import type { MissingPeerDependencyError } from './missing-peer-dependency-error.js';

declare module '@tessera/core' {
  /** The errors `@tessera/node` adds: `isTesseraError(e, 'MISSING_PEER_DEPENDENCY')` narrows to `MissingPeerDependencyError`. */
  interface TesseraErrorMap {
    /** An optional peer dependency (e.g. `jose`) is not installed. */
    MISSING_PEER_DEPENDENCY: MissingPeerDependencyError;
    /** `private_key_jwt`: signing a client assertion failed (key or algorithm refused by `jose`); not retried. */
    CLIENT_ASSERTION_FAILED: ClientAssertionError;
  }
}

/** Stable codes of the errors `@tessera/node` adds to core's. Compare `error.code`, never the message. */
export type NodeErrorCode = 'MISSING_PEER_DEPENDENCY' | 'CLIENT_ASSERTION_FAILED';
