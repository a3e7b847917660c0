import { describe, expect, it } from 'vitest';
import { parseWwwAuthenticate } from './parse-www-authenticate.js';
import { rejectsToken } from './rejects-token.js';

describe('hostile WWW-Authenticate headers', () => {
  it('keeps the last value of a parameter given twice in one challenge, and judges by it', () => {
    const header = 'Bearer error="invalid_token", error="insufficient_scope"';
    expect(parseWwwAuthenticate(header)).toEqual([
      { scheme: 'bearer', params: { error: 'insufficient_scope' } },
    ]);
    expect(rejectsToken(401, header, 'Bearer')).toBe(false);
    expect(rejectsToken(401, 'Bearer error="insufficient_scope", error="invalid_token"', 'Bearer')).toBe(
      true,
    );
  });

  it('keeps each challenge’s parameters to itself', () => {
    expect(parseWwwAuthenticate('Basic error="invalid_token", Bearer error="insufficient_scope"')).toEqual([
      { scheme: 'basic', params: { error: 'invalid_token' } },
      { scheme: 'bearer', params: { error: 'insufficient_scope' } },
    ]);
  });

  it('never sets a prototype, nor pollutes Object.prototype, from __proto__ or constructor parameters', () => {
    const [challenge] = parseWwwAuthenticate(
      'Bearer __proto__="polluted", constructor="x", prototype="y", error="invalid_token"',
    );
    expect(Object.getPrototypeOf(challenge?.params)).toBe(Object.prototype);
    expect(Object.keys(challenge?.params ?? {})).toEqual(['constructor', 'prototype', 'error']);
    expect(challenge?.params.error).toBe('invalid_token');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('constructor', 'x');
  });

  it('reads quotes and escapes in a 64 kB header, and an unterminated one, without throwing', () => {
    const escaped = '\\"'.repeat(32_000);
    const [challenge] = parseWwwAuthenticate(`DPoP realm="${escaped}", error="use_dpop_nonce"`);
    expect(challenge?.params.realm).toBe('"'.repeat(32_000));
    expect(challenge?.params.error).toBe('use_dpop_nonce');
    expect(parseWwwAuthenticate(`Bearer realm="${'x'.repeat(65_536)}\\`)).toEqual([
      { scheme: 'bearer', params: { realm: 'x'.repeat(65_536) } },
    ]);
  });
});
