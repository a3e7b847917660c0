import { randomBytes } from 'node:crypto';
import type { TokenSet } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { tokenCodec } from './token-codec.js';

const tokens: TokenSet = {
  accessToken: 'secret-access-token',
  tokenType: 'Bearer',
  expiresAt: 1_700_000_060_000,
};
const KEY = 'tessera:tokens:svc@https://auth.example.com/token|||';

function reasonOf(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return (error as { reason?: unknown }).reason;
  }
  return 'no error';
}

describe('tokenCodec', () => {
  it('stores plain JSON without a key', () => {
    const codec = tokenCodec(undefined);
    expect(codec.decode(codec.encode(tokens, KEY), KEY)).toEqual(tokens);
  });

  it('encrypts with a fresh IV on every write and decrypts with the same key', () => {
    const codec = tokenCodec(randomBytes(32));
    const first = codec.encode(tokens, KEY);
    const second = codec.encode(tokens, KEY);
    expect(first).not.toBe(second);
    expect(first).not.toContain('secret-access-token');
    expect(codec.decode(first, KEY)).toEqual(tokens);
  });

  it('fails authentication for another key, an altered value, or a value copied under another Redis key', () => {
    const key = randomBytes(32);
    const encoded = tokenCodec(key).encode(tokens, KEY);
    const [iv, ciphertext, tag] = encoded.slice(3).split('.') as [string, string, string];
    const flipped = Buffer.from(ciphertext, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    const altered = `v1.${iv}.${flipped.toString('base64url')}.${tag}`;

    expect(reasonOf(() => tokenCodec(randomBytes(32)).decode(encoded, KEY))).toBe('decryption_failed');
    expect(reasonOf(() => tokenCodec(key).decode(altered, KEY))).toBe('decryption_failed');
    expect(reasonOf(() => tokenCodec(key).decode(encoded, `${KEY}other`))).toBe('decryption_failed');
  });

  it('rejects a truncated authentication tag instead of checking fewer bytes', () => {
    const key = randomBytes(32);
    const encoded = tokenCodec(key).encode(tokens, KEY);
    const truncated = encoded.slice(0, encoded.lastIndexOf('.') + 6);
    expect(reasonOf(() => tokenCodec(key).decode(truncated, KEY))).toBe('malformed');
  });

  it('rejects a value with more or fewer parts than v1.<iv>.<ciphertext>.<tag> as malformed', () => {
    const key = randomBytes(32);
    const encoded = tokenCodec(key).encode(tokens, KEY);
    expect(reasonOf(() => tokenCodec(key).decode(`${encoded}.garbage`, KEY))).toBe('malformed');
    expect(reasonOf(() => tokenCodec(key).decode(`${encoded}.`, KEY))).toBe('malformed');
    expect(reasonOf(() => tokenCodec(key).decode(encoded.slice(0, encoded.lastIndexOf('.')), KEY))).toBe(
      'malformed',
    );
  });

  it('names what is wrong with values written without, or with, encryption', () => {
    const plain = tokenCodec(undefined).encode(tokens, KEY);
    const encrypted = tokenCodec(randomBytes(32)).encode(tokens, KEY);
    expect(reasonOf(() => tokenCodec(randomBytes(32)).decode(plain, KEY))).toBe('not_encrypted');
    expect(reasonOf(() => tokenCodec(undefined).decode(encrypted, KEY))).toBe('encrypted');
    expect(reasonOf(() => tokenCodec(undefined).decode('{not json', KEY))).toBe('malformed');
  });

  it('never puts the token or the key into its errors', () => {
    const key = randomBytes(32);
    try {
      tokenCodec(randomBytes(32)).decode(tokenCodec(key).encode(tokens, KEY), KEY);
    } catch (error) {
      const text = `${String(error)} ${JSON.stringify(error)}`;
      expect(text).not.toContain('secret-access-token');
      expect(text).not.toContain(key.toString('base64'));
      expect(text).toContain('decryption_failed');
    }
    expect.assertions(3);
  });
});
