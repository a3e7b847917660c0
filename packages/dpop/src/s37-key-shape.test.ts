import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDPoP } from './create-dpop.js';

const message = 'createDPoP(options): key must be a CryptoKeyPair or a private KeyObject (ES256, P-256)';

describe('createDPoP({ key }) from JavaScript callers: a key that is set is a key', () => {
  it.each([
    ['0', 0],
    ['NaN', Number.NaN],
    ["''", ''],
    ['false', false],
    ['true', true],
    ['a string', 'not-a-key'],
    ['{}', {}],
    ['a JWK', { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' }],
  ])('refuses key: %s when created, with a TypeError naming key (no fresh in-memory key)', (_name, key) => {
    expect(() => createDPoP({ key } as never)).toThrow(new TypeError(message));
  });

  it('never shows the value it refused', () => {
    expect(() => createDPoP({ key: 'secret-key-material' } as never)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('secret-key-material') }),
    );
  });

  it('takes undefined and null as not set: a generated key in memory', async () => {
    for (const key of [undefined, null]) {
      const info = await createDPoP({ key } as never).ready();
      expect(info.persistent).toBe(false);
    }
  });

  it('accepts a CryptoKeyPair and a private KeyObject: the same thumbprint on every load', async () => {
    const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'sign',
      'verify',
    ]);
    const fromPair = await createDPoP({ key: pair }).ready();
    expect(fromPair).toMatchObject({ persistent: true });
    expect((await createDPoP({ key: pair }).ready()).thumbprint).toBe(fromPair.thumbprint);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const fromKeyObject = await createDPoP({ key: privateKey }).ready();
    expect(fromKeyObject).toMatchObject({ persistent: true });
    expect((await createDPoP({ key: privateKey }).ready()).thumbprint).toBe(fromKeyObject.thumbprint);
  });
});
