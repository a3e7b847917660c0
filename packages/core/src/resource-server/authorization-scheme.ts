/**
 * The auth scheme to send a token with, from the token set's `token_type`: compared
 * case-insensitively and normalised (`bearer` → `Bearer`, `dpop` → `DPoP`); any other type is
 * sent as the server spelled it. `Bearer` only when the set has no type. Never downgrades a
 * DPoP-bound token to Bearer.
 */
export function authorizationScheme(tokenType: string | undefined): string {
  if (!tokenType || tokenType === 'Bearer') return 'Bearer';
  const lower = tokenType.toLowerCase();
  if (lower === 'bearer') return 'Bearer';
  if (lower === 'dpop') return 'DPoP';
  return tokenType;
}
