import { describe, expect, it } from 'vitest';
import { unsignedJwt } from '../test/support.js';
import { decodeClaims } from './decode-claims.js';

describe('decodeClaims', () => {
  it('decodes a UTF-8 payload: a non-ASCII sub and name come out right', () => {
    const claims = decodeClaims(unsignedJwt({ sub: 'jürgen', name: 'Jürgen Ørsted 山田 🙂' }));
    expect(claims).toEqual({ sub: 'jürgen', name: 'Jürgen Ørsted 山田 🙂' });
    expect(Object.isFrozen(claims)).toBe(true);
  });

  it.each([
    ['undefined', undefined],
    ['an empty string', ''],
    ['an opaque token', 'opaque-token'],
    ['a payload that is not base64url', 'a.%%%.c'],
    ['a payload that is not JSON', `a.${Buffer.from('not json').toString('base64url')}.c`],
    ['a JSON string payload', `a.${Buffer.from('"sub"').toString('base64url')}.c`],
    ['a JSON null payload', `a.${Buffer.from('null').toString('base64url')}.c`],
  ])('returns undefined for %s, never throws', (_, jwt) => {
    expect(decodeClaims(jwt)).toBeUndefined();
  });

  it('decodes a JWT of exactly 65,536 characters, and leaves one of 65,537 undecoded (decision 0026)', () => {
    const ofLength = (length: number) => {
      const head = unsignedJwt({ sub: 'user-1', name: 'Ada' });
      return head + 's'.repeat(length - head.length);
    };
    expect(decodeClaims(ofLength(65_536))).toEqual({ sub: 'user-1', name: 'Ada' });
    expect(decodeClaims(ofLength(65_537))).toBeUndefined();
  });

  it('keeps a __proto__ claim as data, not as a prototype', () => {
    const claims = decodeClaims(unsignedJwt(JSON.parse('{"sub":"x","__proto__":{"admin":true}}')));
    expect((claims as Record<string, unknown>).admin).toBeUndefined();
    expect(Object.getPrototypeOf(claims)).toBe(Object.prototype);
  });
});
