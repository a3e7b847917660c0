import { base64url } from 'jose';

/** BASE64URL(SHA-256(UTF-8(text))): a PKCE S256 challenge, a DPoP `ath`. */
export async function sha256Base64url(text: string): Promise<string> {
  return base64url.encode(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))),
  );
}
