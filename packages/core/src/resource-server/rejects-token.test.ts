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
