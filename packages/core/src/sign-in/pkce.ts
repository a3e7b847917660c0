import { TesseraError } from '../errors/tessera-error.js';

/** `bytes` random bytes from WebCrypto, base64url-encoded without padding (32 bytes → 43 characters). */
export function randomToken(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/**
 * The PKCE `code_challenge` of a verifier: BASE64URL(SHA-256(ASCII(verifier))) (RFC 7636 §4.2, S256).
 * Outside a secure context (plain `http://` on a LAN address) there is no `crypto.subtle`: `SIGN_IN_FAILED`.
 */
export async function codeChallengeOf(verifier: string): Promise<string> {
  if (!crypto.subtle)
    throw new TesseraError('SIGN_IN_FAILED', 'Sign-in with PKCE needs a secure context (https or localhost)');
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}
