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

  it('never reads a quoted string as schemes, even one out of place', () => {
    expect(parseWwwAuthenticate('Basic realm="Bearer, DPoP error=x", "Bearer", Digest')).toEqual([
      { scheme: 'basic', params: { realm: 'Bearer, DPoP error=x' } },
      { scheme: 'digest', params: {} },
    ]);
  });

  it('reads a token68 credential only where it ends the challenge', () => {
    expect(parseWwwAuthenticate('Negotiate a/b=, Basic realm=x')).toEqual([
      { scheme: 'negotiate', params: {} },
      { scheme: 'basic', params: { realm: 'x' } },
    ]);
    // `a/b c`: not a token68 (`c` follows), so `a/b` is read as the next scheme and `c` as its token68.
    expect(parseWwwAuthenticate('Newauth a/b c').map((challenge) => challenge.scheme)).toEqual([
      'newauth',
      'a/b',
    ]);
  });

  it('parses hostile headers of 256 KiB in linear time', () => {
    const size = 1 << 18;
    const hostile = [
      `Basic ${'x/'.repeat(size / 2)} q`, // each scheme once rescanned the run after it: quadratic
      `Basic realm="${'\\'.repeat(size / 2)}`,
      'a='.repeat(size / 2),
      '"'.repeat(size),
      `Bearer ${'a=b, '.repeat(size / 4)}`,
      ','.repeat(size),
    ];
    const started = performance.now();
    for (const header of hostile) expect(() => parseWwwAuthenticate(header)).not.toThrow();
    // Quadratic, the first one alone took minutes; linear, all of them take about 0.1 s. The bound sits
    // between: far from what a loaded machine needs for linear work, far below what quadratic takes.
    expect(performance.now() - started).toBeLessThan(15_000);
  }, 30_000);

  it('survives malformed input without throwing', () => {
    expect(parseWwwAuthenticate('')).toEqual([]);
    expect(parseWwwAuthenticate('=,,"x')).toEqual([]); // an unterminated quoted string, skipped whole
    expect(parseWwwAuthenticate('=,,x').map((challenge) => challenge.scheme)).toEqual(['x']);
    expect(parseWwwAuthenticate('Bearer error="unterminated')).toEqual([
      { scheme: 'bearer', params: { error: 'unterminated' } },
    ]);
  });
});
