import { createHash } from 'node:crypto';

/** SHA-256 of `text` in base64url: how a key names the parts that may carry a secret (decision 0407). */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
