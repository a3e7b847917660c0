import { describe, expect, it } from 'vitest';
import { isDPoPNonceChallenge } from './www-authenticate.js';

describe('isDPoPNonceChallenge', () => {
  it.each([
    ['DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"', true],
    ['DPoP algs="ES256", error="use_dpop_nonce"', true],
    ['dpop error=use_dpop_nonce', true],
    ['Bearer realm="api", DPoP error="use_dpop_nonce"', true],
    ['DPoP error="invalid_token"', false],
    ['Bearer error="use_dpop_nonce"', false],
    ['DPoP algs="ES256", Bearer error="use_dpop_nonce"', false],
    ['DPoP error_description="use_dpop_nonce"', false],
    ['', false],
  ])('%s → %s', (header, expected) => {
    expect(isDPoPNonceChallenge(header)).toBe(expected);
  });

  it('is false without a header', () => {
    expect(isDPoPNonceChallenge(undefined)).toBe(false);
  });
});
