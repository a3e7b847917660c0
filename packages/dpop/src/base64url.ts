const encoder = new TextEncoder();

/** The UTF-8 bytes of `text` (one `TextEncoder` for the package). */
export const utf8 = (text: string): Uint8Array<ArrayBuffer> => encoder.encode(text);

/** base64url without padding (RFC 7515 §2) of bytes or of a string's UTF-8 bytes. */
export function base64url(input: ArrayBuffer | Uint8Array | string): string {
  let binary = '';
  // One byte at a time: a spread of a long input would overflow the call stack.
  for (const byte of typeof input === 'string' ? utf8(input) : new Uint8Array(input)) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

/** base64url of the SHA-256 of `text`'s UTF-8 bytes: an RFC 7638 thumbprint, a proof's `ath`. */
export async function sha256(text: string): Promise<string> {
  return base64url(await crypto.subtle.digest('SHA-256', utf8(text)));
}
