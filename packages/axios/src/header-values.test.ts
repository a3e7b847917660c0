import type { TokenSet } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { headerValues } from './header-values.js';

const setOf = (accessToken: string, tokenType = 'Bearer') => ({ accessToken, tokenType }) as TokenSet;

describe('headerValues', () => {
  it("gives each set its own value, also when sets alternate or a set's fields change in place", () => {
    const headerValue = headerValues(undefined);
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
    expect(headerValues('Token')(setOf('a'))).toBe('Token a');
    expect(headerValues('')(setOf('a'))).toBe('a');
  });
});
