import type { TokenManager } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { unsignedJwt } from '../../test/session-support.js';
import { createSessionStore } from './session-store.js';

/** The `claims` a store shows for a set with `idToken` (the store decodes them; decision 1003). */
const claimsOf = (idToken: string | undefined) =>
  createSessionStore({
    peekTokens: () => ({ accessToken: 'at', tokenType: 'Bearer', idToken }),
  } as unknown as TokenManager).getSnapshot().claims;

describe('the session claims', () => {
  it('decodes a UTF-8 payload: a non-ASCII sub and name come out right', () => {
    const claims = claimsOf(unsignedJwt({ sub: 'jürgen', name: 'Jürgen Ørsted 山田 🙂' }));
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
    expect(claimsOf(jwt)).toBeUndefined();
  });

  it('decodes a JWT of exactly 65,536 characters, and leaves one of 65,537 undecoded (decision 0026)', () => {
    const ofLength = (length: number) => {
      const head = unsignedJwt({ sub: 'user-1', name: 'Ada' });
      return head + 's'.repeat(length - head.length);
    };
    expect(claimsOf(ofLength(65_536))).toEqual({ sub: 'user-1', name: 'Ada' });
    expect(claimsOf(ofLength(65_537))).toBeUndefined();
  });

  it('keeps a __proto__ claim as data, not as a prototype', () => {
    const claims = claimsOf(unsignedJwt(JSON.parse('{"sub":"x","__proto__":{"admin":true}}')));
    expect((claims as Record<string, unknown>).admin).toBeUndefined();
    expect(Object.getPrototypeOf(claims)).toBe(Object.prototype);
  });
});
