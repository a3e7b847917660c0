import { describe, expect, it } from 'vitest';
import { validateIdToken } from './id-token.js';

/**
 * Mutation tests of stop 37 (`/^\s*(none\s*$|hs)/i`): `none` is refused however much whitespace pads
 * it, on either side, not only one character of it; with a signature part, so only the header decides.
 */
const issuer = 'https://auth.example.test';
const clientId = 'spa';
const now = 1_700_000_000_000;
const expected = { issuer, clientId, now, tolerance: 0, nonce: 'n-1' };
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const claims = { iss: issuer, sub: 'user-1', aud: clientId, exp: now / 1000 + 600, nonce: 'n-1' };
const withAlg = (alg: string) => `${encode({ alg })}.${encode(claims)}.c2ln`;

describe('validateIdToken: alg none padded with several whitespace characters', () => {
  it.each([
    ['two spaces before', '  none'],
    ['a tab and a space before', '\t none'],
    ['a space, a tab and a newline after', 'none \t\n'],
    ['padded on both sides', ' \tNONE\r\n '],
  ])('refuses %s with IdTokenError (format check)', (_, alg) => {
    expect(() => validateIdToken(withAlg(alg), expected)).toThrow(
      expect.objectContaining({ name: 'IdTokenError', code: 'INVALID_ID_TOKEN', check: 'format' }),
    );
  });

  it('accepts the same token signed with RS256 (the control: only the alg differs)', () => {
    expect(validateIdToken(withAlg('RS256'), expected)).toMatchObject({ sub: 'user-1' });
  });
});
