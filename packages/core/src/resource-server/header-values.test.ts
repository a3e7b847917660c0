import { describe, expect, it } from 'vitest';
import type { TokenSet } from '../token-set.js';
import { headerValues, putHeader } from './header-values.js';

const setOf = (accessToken: string, tokenType = 'Bearer') => ({ accessToken, tokenType }) as TokenSet;
const where = 'attachTokenManager()';

describe('headerValues', () => {
  it("gives each set its own value, also when sets alternate or a set's fields change in place", () => {
    const headerValue = headerValues('Authorization', undefined, where);
    const first = setOf('a');
    const second = setOf('b', 'DPoP');
    expect([headerValue(first), headerValue(second), headerValue(first)]).toEqual([
      'Bearer a',
      'DPoP b',
      'Bearer a',
    ]);
    (first as { accessToken: string }).accessToken = 'c';
    expect(headerValue(first)).toBe('Bearer c');
    (first as { tokenType: string }).tokenType = 'DPoP';
    expect(headerValue(first)).toBe('DPoP c');
  });

  it("uses the scheme it was given, '' for the bare token", () => {
    expect(headerValues('Authorization', 'Token', where)(setOf('a'))).toBe('Token a');
    expect(headerValues('X-Token', '', where)(setOf('a'))).toBe('a');
  });

  it.each([' Bearer', 'Bearer ', 'Bearer:', 'Be arer', 'Bearér', 5 as unknown as string])(
    'refuses the scheme %j at once: axios would send it trimmed, fetch would refuse each request',
    (scheme) => {
      expect(() => headerValues('Authorization', scheme, where)).toThrow(
        new TypeError(`${where}: scheme must be '' or an auth scheme such as "Bearer"`),
      );
    },
  );

  it('returns the same string while the set is unchanged (nothing built per request)', () => {
    const headerValue = headerValues('Authorization', undefined, where);
    const set = setOf('a');
    const value = headerValue(set);
    expect(headerValue(set)).toBe(value);
    expect(headerValue(setOf('a'))).toBe(value); // another set, same strings
  });

  it.each([
    ['a CR LF', 'a\r\nX-Injected: 1'],
    ['a LF', 'a\nb'],
    ['a NUL', 'a\0b'],
    ['a character above U+00FF', 'a\u20acb'],
  ])(
    'refuses a token with %s in a TypeError that quotes neither the token nor the scheme, every time',
    (_, token) => {
      const headerValue = headerValues('Authorization', 'SecretScheme', where);
      for (let i = 0; i < 2; i++) {
        let error: unknown;
        try {
          headerValue(setOf(token));
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(TypeError);
        expect((error as Error).message).toBe(
          "attachTokenManager(): the token set's scheme and token cannot be sent in a header",
        );
        expect(String((error as Error).message)).not.toContain('SecretScheme');
      }
    },
  );

  it('accepts what Headers accepts: a Latin-1 token', () => {
    expect(headerValues('Authorization', undefined, where)(setOf('a\u00e9b'))).toBe('Bearer a\u00e9b');
  });
});

describe('putHeader', () => {
  it('sets the header, or throws a TypeError that does not quote the value', () => {
    const headers = new Headers();
    putHeader(headers, 'DPoP', 'proof', where);
    expect(headers.get('dpop')).toBe('proof');
    expect(() => putHeader(headers, 'Authorization', 'DPoP tok\r\nen', where)).toThrow(
      new TypeError("attachTokenManager(): the token set's scheme and token cannot be sent in a header"),
    );
    expect(headers.has('authorization')).toBe(false);
  });
});
