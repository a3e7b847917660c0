import { type FetchTokens, type SenderConstraint, TokenManager } from '@tessera/core';
import { vi } from 'vitest';

/**
 * A TokenManager holding `at-0` (300 s on `clock`) whose token requests answer `at-1`, `at-2`…
 * (300 s lifetime, refresh token `rt`), each optionally held until `gate` settles. `fetchTokens` is a
 * `vi.fn`, so a test counts token requests exactly. Shared by the axios and fetch suites.
 */
export async function countingTokens(
  options: {
    gate?: Promise<unknown>;
    clock?: () => number;
    tokenTypes?: readonly string[];
    /** The `token_type` of every set. @default 'Bearer' */
    tokenType?: string;
    /** The manager's `senderConstraint` (its sets are then `DPoP`). */
    senderConstraint?: SenderConstraint;
  } = {},
) {
  let issued = 0;
  const fetchTokens = vi.fn<FetchTokens>(async () => {
    issued += 1;
    const n = issued;
    await options.gate;
    return {
      access_token: `at-${n}`,
      token_type: options.tokenType ?? 'Bearer',
      expires_in: 300,
      refresh_token: 'rt',
    };
  });
  const tokens = new TokenManager({
    fetchTokens,
    retry: false,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.tokenTypes ? { tokenTypes: options.tokenTypes } : {}),
    ...(options.senderConstraint ? { senderConstraint: options.senderConstraint } : {}),
  });
  await tokens.setTokens({
    access_token: 'at-0',
    expires_in: 300,
    refresh_token: 'rt',
    ...(options.tokenType ? { token_type: options.tokenType } : {}),
  });
  return { tokens, fetchTokens };
}
