// The transport hook is declared in core, so @tessera/axios and @tessera/fetch take it without
// depending on this package; `createDPoP()` returns one.
export type { ProofRequest, ResponseLike, SenderConstraint } from '@tessera/core';
