/**
 * Request headers that carry a credential and must never reach an origin the policy does not
 * allow: the token header (`Authorization` unless configured) and `DPoP` (a proof bound to the token).
 */
export function credentialHeaders(header: string): readonly string[] {
  const names = [header.toLowerCase(), 'dpop'];
  return names[0] === 'dpop' ? ['dpop'] : names;
}
