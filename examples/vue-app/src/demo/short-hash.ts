/** Hex digits of a token's SHA-256 that the timeline shows: enough to tell tokens apart, useless to an attacker. */
const SHORT_HASH_LENGTH = 8;

/**
 * The first 8 hex digits of the SHA-256 of `token` (WebCrypto), e.g. `3fa94c1e`: what the timeline
 * shows instead of the token, so a screenshot or a screen share never leaks one.
 */
export async function shortHash(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return Array.from(new Uint8Array(digest).subarray(0, SHORT_HASH_LENGTH / 2), (byte) =>
    byte.toString(16).padStart(2, '0'),
  ).join('');
}
