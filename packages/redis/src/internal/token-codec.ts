import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import type { TokenSet } from '@tessera/core';
import { InvalidCacheEntryError } from '../errors/invalid-cache-entry-error.js';

/** Turns token sets into the strings stored in Redis and back. */
export interface TokenCodec {
  encode(tokens: TokenSet, key: string): string;
  /** @throws {InvalidCacheEntryError} the value is unreadable. */
  decode(value: string, key: string): unknown;
}

/** Marks an AES-256-GCM value: `v1.<iv>.<ciphertext>.<tag>`, each part base64url. */
const PREFIX = 'v1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Plain JSON without `encryptionKey`; with it, AES-256-GCM with a random IV per write and the Redis
 * key as additional authenticated data, so a value copied under another key does not decrypt.
 *
 * @throws {TypeError} `encryptionKey` is not 32 bytes.
 */
export function tokenCodec(encryptionKey: Uint8Array | string | undefined): TokenCodec {
  const secret = encryptionKey === undefined ? undefined : toSecretKey(encryptionKey);
  return {
    encode(tokens, key) {
      const json = JSON.stringify(tokens);
      if (!secret) return json;
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', secret, iv);
      cipher.setAAD(Buffer.from(key));
      const encrypted = Buffer.concat([cipher.update(json, 'utf8'), cipher.final()]);
      return `${PREFIX}${[iv, encrypted, cipher.getAuthTag()].map((part) => part.toString('base64url')).join('.')}`;
    },
    decode(value, key) {
      const encrypted = value.startsWith(PREFIX);
      if (encrypted && !secret) throw new InvalidCacheEntryError('encrypted', key);
      if (!encrypted && secret) throw new InvalidCacheEntryError('not_encrypted', key);
      return parse(secret ? decrypt(value, key, secret) : value, key);
    },
  };
}

function decrypt(value: string, key: string, secret: KeyObject): string {
  const parts = value.slice(PREFIX.length).split('.');
  const [iv, encrypted, tag] = parts.map((part) => Buffer.from(part, 'base64url'));
  if (parts.length !== 3 || !iv || !encrypted || !tag || iv.length !== IV_BYTES || tag.length !== TAG_BYTES)
    throw new InvalidCacheEntryError('malformed', key);
  try {
    const decipher = createDecipheriv('aes-256-gcm', secret, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(key));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(encrypted), decipher.final()]).toString('utf8');
  } catch {
    throw new InvalidCacheEntryError('decryption_failed', key);
  }
}

/** A JSON object; anything else is no set Tessera writes (and `null` would read as a removal). */
function parse(json: string, key: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {}
  if (typeof value !== 'object' || !value) throw new InvalidCacheEntryError('malformed', key);
  return value;
}

function toSecretKey(encryptionKey: Uint8Array | string): KeyObject {
  const bytes = typeof encryptionKey === 'string' ? Buffer.from(encryptionKey, 'base64') : encryptionKey;
  if (bytes.length !== 32) {
    throw new TypeError(
      `redisTokenCache: encryptionKey must be 32 bytes (got ${bytes.length}): a Buffer, or base64 text such as \`openssl rand -base64 32\` prints`,
    );
  }
  return createSecretKey(bytes);
}
