import * as jwt from 'jwt-decode';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IdTokenError } from '../errors/id-token-error.js';
import { validateIdToken } from './id-token.js';

vi.mock('jwt-decode', async (importActual) => {
  const actual = await importActual<typeof jwt>();
  return { ...actual, jwtDecode: vi.fn(actual.jwtDecode) };
});

const issuer = 'https://auth.example.test';
const clientId = 'spa';
const now = 1_700_000_000_000;
const expected = { issuer, clientId, now, tolerance: 0, nonce: 'n-1' };

/** A valid ID token of exactly `length` characters (its signature part pads it). */
function idTokenOfLength(length: number): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = { iss: issuer, sub: 'user-1', aud: clientId, exp: now / 1000 + 600, nonce: 'n-1' };
  const head = `${encode({ alg: 'RS256' })}.${encode(claims)}.`;
  return head + 's'.repeat(length - head.length);
}

afterEach(() => {
  vi.mocked(jwt.jwtDecode).mockClear();
});

describe('validateIdToken: an ID token over 64 KiB is refused undecoded (decision 0026)', () => {
  it('accepts a valid ID token of exactly 65,536 characters', () => {
    expect(validateIdToken(idTokenOfLength(65_536), expected)).toMatchObject({ sub: 'user-1' });
  });

  it('refuses one of 65,537 characters with IdTokenError (format check), never decoding it', () => {
    const idToken = idTokenOfLength(65_537);
    let caught: unknown;
    try {
      validateIdToken(idToken, expected);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(IdTokenError);
    expect(caught).toMatchObject({
      code: 'INVALID_ID_TOKEN',
      check: 'format',
      message: 'ID token rejected: it is longer than 65536 characters, too long to decode (format check)',
    });
    expect((caught as Error).message).not.toContain(idToken.slice(0, 20));
    expect(jwt.jwtDecode).not.toHaveBeenCalled();
  });

  it('refuses a 1 MiB ID token in well under the ~0.7 s jwt-decode would take', () => {
    const idToken = idTokenOfLength(1_048_576);
    expect(() => validateIdToken(idToken, expected)).toThrow(IdTokenError);
    expect(jwt.jwtDecode).not.toHaveBeenCalled();
  });
});

describe('validateIdToken: an unsigned or MAC-signed ID token is refused (OpenID Connect Core §2, §10.1)', () => {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = { iss: issuer, sub: 'user-1', aud: clientId, exp: now / 1000 + 600, nonce: 'n-1' };
  const withHeader = (header: unknown, signature = 'c2ln') =>
    `${encode(header)}.${encode(claims)}.${signature}`;

  it.each([
    ['alg none without a signature', { alg: 'none' }, ''],
    ['alg None (case changed)', { alg: 'None' }, ''],
    ['alg HS256, keyed with a client secret this public client has none of', { alg: 'HS256' }, 'c2ln'],
    ['alg HS512', { alg: 'HS512', typ: 'JWT' }, 'c2ln'],
    ['no alg', { typ: 'JWT' }, 'c2ln'],
    ['an alg that is not a string', { alg: 256 }, 'c2ln'],
    ['alg "None " (padded), without a signature', { alg: 'None ' }, ''],
    ['alg " none" (padded), with a signature', { alg: ' none' }, 'c2ln'],
    ['alg "none\\n"', { alg: 'none\n' }, 'c2ln'],
    [
      'alg RS256 without a signature (an unsigned JWT whatever its header says)',
      { alg: 'RS256', kid: 'k1' },
      '',
    ],
  ])('refuses %s with IdTokenError (format check)', (_, header, signature) => {
    expect(() => validateIdToken(withHeader(header, signature), expected)).toThrow(
      expect.objectContaining({
        name: 'IdTokenError',
        code: 'INVALID_ID_TOKEN',
        check: 'format',
        message: 'ID token rejected: it is unsigned or MAC-signed (alg none or HS…) (format check)',
      }),
    );
  });

  it('refuses a header that is not JSON with IdTokenError (format check)', () => {
    const idToken = `bm90IGpzb24.${encode(claims)}.c2ln`;
    expect(() => validateIdToken(idToken, expected)).toThrow(expect.objectContaining({ check: 'format' }));
  });

  it('refuses an encrypted ID token (JWE, five parts) with IdTokenError (format check)', () => {
    const jwe = `${encode({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.a2V5.aXY.${encode(claims)}.dGFn`;
    expect(() => validateIdToken(jwe, expected)).toThrow(expect.objectContaining({ check: 'format' }));
  });

  it.each(['RS256', 'PS256', 'ES256', 'ES256K', 'EdDSA', 'Ed25519'])('accepts one signed with %s', (alg) => {
    expect(validateIdToken(withHeader({ alg, kid: 'k1' }), expected)).toMatchObject({ sub: 'user-1' });
  });
});
