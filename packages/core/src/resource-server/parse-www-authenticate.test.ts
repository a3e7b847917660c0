import { describe, expect, it } from 'vitest';
import { parseWwwAuthenticate } from './parse-www-authenticate.js';

describe('parseWwwAuthenticate', () => {
  it('reads the error of a Bearer challenge (RFC 6750 §3 example)', () => {
    const header =
      'Bearer realm="example", error="invalid_token", error_description="The access token expired"';
    expect(parseWwwAuthenticate(header)).toEqual([
      {
        scheme: 'bearer',
        params: { realm: 'example', error: 'invalid_token', error_description: 'The access token expired' },
      },
    ]);
  });

  it('separates several challenges, even with commas inside quoted values', () => {
    const header = 'Basic realm="a, b", Bearer error="insufficient_scope", scope="orders:write"';
    expect(parseWwwAuthenticate(header)).toEqual([
      { scheme: 'basic', params: { realm: 'a, b' } },
      { scheme: 'bearer', params: { error: 'insufficient_scope', scope: 'orders:write' } },
    ]);
  });

  it('parses the RFC 9110 §11.6.1 example with escaped quotes and token values', () => {
    const header = 'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"';
    expect(parseWwwAuthenticate(header)).toEqual([
      { scheme: 'newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
      { scheme: 'basic', params: { realm: 'simple' } },
    ]);
  });

  it('accepts a bare scheme, lower-cases scheme and parameter names, and skips token68 credentials', () => {
    expect(parseWwwAuthenticate('BEARER')).toEqual([{ scheme: 'bearer', params: {} }]);
    expect(parseWwwAuthenticate('Negotiate abc+/==, Bearer ERROR=invalid_token')).toEqual([
      { scheme: 'negotiate', params: {} },
      { scheme: 'bearer', params: { error: 'invalid_token' } },
    ]);
  });

  it('survives malformed input without throwing', () => {
    expect(parseWwwAuthenticate('')).toEqual([]);
    expect(parseWwwAuthenticate('=,,"x').map((challenge) => challenge.scheme)).toEqual(['x']);
    expect(parseWwwAuthenticate('Bearer error="unterminated')).toEqual([
      { scheme: 'bearer', params: { error: 'unterminated' } },
    ]);
  });
});
