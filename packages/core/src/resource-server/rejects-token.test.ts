import { describe, expect, it } from 'vitest';
import { authorizationScheme } from './authorization-scheme.js';
import { rejectsToken } from './rejects-token.js';

describe('rejectsToken', () => {
  it('counts a 401 without a readable challenge, or with invalid_token, as a rejected token', () => {
    expect(rejectsToken(401, undefined)).toBe(true);
    expect(rejectsToken(401, null)).toBe(true);
    expect(rejectsToken(401, '  ')).toBe(true);
    expect(rejectsToken(401, 'Bearer realm="api"')).toBe(true);
    expect(rejectsToken(401, 'Bearer error="invalid_token"')).toBe(true);
    expect(rejectsToken(401, 'DPoP error="invalid_token", algs="ES256"')).toBe(true);
    expect(rejectsToken(401, 'Basic realm="a, b", Bearer error="invalid_token"')).toBe(true);
  });

  it('does not count other statuses, or a challenge naming another error', () => {
    expect(rejectsToken(403, undefined)).toBe(false);
    expect(rejectsToken(200, undefined)).toBe(false);
    expect(rejectsToken(401, 'Bearer error="insufficient_scope"')).toBe(false);
    expect(rejectsToken(401, 'Bearer error="invalid_request"')).toBe(false);
    expect(rejectsToken(401, 'DPoP error="use_dpop_nonce"')).toBe(false);
  });

  it('does not count a 401 whose challenges are all for other schemes: a new token cannot answer it', () => {
    for (const header of [
      'Basic realm="x"',
      'Negotiate',
      'negotiate abc+/==, NTLM',
      'Basic realm="Bearer error=invalid_token", Digest realm="b", nonce="c, Bearer"',
      'Basic realm="unterminated, Bearer error=invalid_token',
    ]) {
      expect(rejectsToken(401, header)).toBe(false);
      expect(rejectsToken(401, header, 'Bearer')).toBe(false);
    }
    expect(rejectsToken(401, 'Basic realm="x"', 'DPoP')).toBe(false);
  });

  it('judges the challenge for the scheme the token went with, case-insensitively', () => {
    expect(rejectsToken(401, 'DPoP error="invalid_token"', 'Bearer')).toBe(false); // that API wants DPoP
    expect(rejectsToken(401, 'Bearer realm="a", DPoP algs="ES256"', 'DPoP')).toBe(true);
    expect(rejectsToken(401, 'Bearer error="insufficient_scope", DPoP algs="ES256"', 'DPoP')).toBe(true);
    expect(rejectsToken(401, 'Bearer realm="a", DPoP error="invalid_request"', 'DPoP')).toBe(false);
    expect(rejectsToken(401, 'BEARER error="invalid_token"', 'bearer')).toBe(true);
    expect(rejectsToken(401, 'Basic realm="x", Bearer error="insufficient_scope"', 'Bearer')).toBe(false);
    expect(rejectsToken(401, 'Token realm="api"', 'Token')).toBe(true);
  });

  it('lets a DPoP token take a Bearer challenge when there is no DPoP one (RFC 6750 words for every token)', () => {
    expect(rejectsToken(401, 'Bearer error="invalid_token"', 'DPoP')).toBe(true);
    expect(rejectsToken(401, 'Basic realm="x", bearer realm="api"', 'dpop')).toBe(true);
    expect(rejectsToken(401, 'Bearer error="insufficient_scope"', 'DPoP')).toBe(false);
  });

  it('counts a 401 with no readable challenge, whatever the scheme', () => {
    for (const header of [undefined, null, '', ' , ,', '=,"']) {
      expect(rejectsToken(401, header, 'Bearer')).toBe(true);
      expect(rejectsToken(401, header, 'DPoP')).toBe(true);
    }
  });

  it('for a bare token (scheme ""), other schemes do not stop a refresh, a Bearer error still does', () => {
    expect(rejectsToken(401, 'Basic realm="x"', '')).toBe(true);
    expect(rejectsToken(401, 'Bearer error="insufficient_scope"', '')).toBe(false);
  });
});

describe('authorizationScheme', () => {
  it('normalises the token type case-insensitively and defaults to Bearer only when absent', () => {
    expect(authorizationScheme(undefined)).toBe('Bearer');
    expect(authorizationScheme('')).toBe('Bearer');
    expect(authorizationScheme('bearer')).toBe('Bearer');
    expect(authorizationScheme('BEARER')).toBe('Bearer');
    expect(authorizationScheme('dpop')).toBe('DPoP');
    expect(authorizationScheme('DPoP')).toBe('DPoP');
    expect(authorizationScheme('MAC')).toBe('MAC');
  });
});
