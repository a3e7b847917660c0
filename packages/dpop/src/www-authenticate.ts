/**
 * Whether a `WWW-Authenticate` value holds a `DPoP` challenge with `error="use_dpop_nonce"`
 * (RFC 9449 §9). Other schemes' parameters (e.g. a `Bearer` challenge's `error`) do not count.
 */
export function isDPoPNonceChallenge(header: string | undefined): boolean {
  if (!header) return false;
  let scheme = '';
  // Each piece is a scheme name (no "=") or an auth-param (name=value), separated by spaces/commas.
  const piece = /([^\s=,]+)(?:\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]*))?/g;
  for (let match = piece.exec(header); match; match = piece.exec(header)) {
    const [, name = '', raw] = match;
    if (raw === undefined) {
      scheme = name.toLowerCase();
      continue;
    }
    const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    if (scheme === 'dpop' && name.toLowerCase() === 'error' && value === 'use_dpop_nonce') return true;
  }
  return false;
}
