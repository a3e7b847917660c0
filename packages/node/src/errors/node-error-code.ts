import type { TesseraErrorCode } from '@tessera/core';

/** Stable codes of the errors `@tessera/node` adds to core's. Compare `error.code`, never the message. */
export type NodeErrorCode = Extract<TesseraErrorCode, 'DISCOVERY_FAILED' | 'MISSING_PEER_DEPENDENCY'>;
