import { base64url } from 'jose';

/** A random base64url string of `bytes` random bytes (WebCrypto, so it runs in browsers too). */
export function randomToken(bytes = 32): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(bytes)));
}
