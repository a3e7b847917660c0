import { describe, expect, it } from 'vitest';
import { decodeJwtClaims } from './jwt-claims.js';

const encode = (value: string) => Buffer.from(value).toString('base64url');
const jwtWithPayload = (json: string) => `${encode('{"alg":"none"}')}.${encode(json)}.signature`;

describe('decodeJwtClaims', () => {
  it('returns the claims of a JWT whose payload is a JSON object', () => {
    expect(decodeJwtClaims(jwtWithPayload('{"sub":"alice","exp":1800000000}'))).toEqual({
      sub: 'alice',
      exp: 1_800_000_000,
    });
  });

  it.each([
    ['an array', '[{"sub":"alice"},1800000000]'],
    ['an empty array', '[]'],
    ['a string', '"alice"'],
    ['a number', '1800000000'],
    ['null', 'null'],
    ['not JSON', '{"sub":'],
  ])('returns undefined for a JWT whose payload is %s: not a JWT with claims', (_, json) => {
    expect(decodeJwtClaims(jwtWithPayload(json))).toBeUndefined();
  });
});
